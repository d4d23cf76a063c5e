#!/bin/sh
# Step 1 of an Open edX instance's provisioning Job (provision.go), in the
# AWS CLI image: checks that the scripts are the ones the Job was composed
# with, reads the platform's admin secrets and the instance's stored
# configuration, and draws new passwords that plan uses only where none is
# stored yet.
#
# Secret values go to files in the Job's memory-backed work volume, never to
# the log or a command line: no `set -x`.
set -eu

: "${SCRIPTS:?}" "${SCRIPTS_SHA256:?}" "${TENANT_SECRET_ID:?}"
: "${MYSQL_ADMIN_SECRET_ARN:?}" "${MONGODB_ADMIN_SECRET_ARN:?}" "${REDIS_AUTH_SECRET_ARN:?}"

# The Job's mounts; tests point elsewhere.
readonly WORK="${PROVISION_WORK:-/work}" SCRIPTS_DIR="${PROVISION_SCRIPTS:-/scripts}"
readonly IN="$WORK/in"
umask 077
mkdir -p "$IN"

log() { printf '%s provision/fetch: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# The ConfigMap and the Job are applied separately: a pod that starts
# before a new ConfigMap reaches its node would run old scripts. Failing
# makes the Job retry with a fresh mount.
sum=$(cd "$SCRIPTS_DIR" && for f in $SCRIPTS; do cat "$f"; done | sha256sum)
[ "${sum%% *}" = "$SCRIPTS_SHA256" ] || die "the mounted scripts are not the ones this Job was composed with yet"

# value ID FILE: writes the secret's current value to FILE, as a JSON
# string. AWS CLI errors go to $IN/err; they never hold a secret's value.
value() {
	aws secretsmanager get-secret-value --secret-id "$1" --query SecretString --output json >"$2" 2>"$IN/err"
}

# The certificate of the CA of the platform's own MongoDB members, which
# mongodb.sh verifies them with. An external replica set has none.
if [ -n "${MONGODB_CA_SECRET_ARN:-}" ]; then
	aws secretsmanager get-secret-value --secret-id "$MONGODB_CA_SECRET_ARN" --query SecretString --output text >"$IN/mongodb-ca.pem" 2>"$IN/err" ||
		die "cannot read $MONGODB_CA_SECRET_ARN: $(head -c 300 "$IN/err")"
	grep -q -- '-----BEGIN CERTIFICATE-----' "$IN/mongodb-ca.pem" || die "$MONGODB_CA_SECRET_ARN holds no PEM certificate"
fi

for pair in "mysql-admin $MYSQL_ADMIN_SECRET_ARN" "mongodb-admin $MONGODB_ADMIN_SECRET_ARN" "redis-auth $REDIS_AUTH_SECRET_ARN"; do
	name=${pair%% *}
	arn=${pair#* }
	value "$arn" "$IN/$name.json" || die "cannot read $arn: $(head -c 300 "$IN/err")"
done

# The instance's secret is composed by Crossplane alongside this Job: wait
# for it, for at most five minutes.
tries=0
until aws secretsmanager describe-secret --secret-id "$TENANT_SECRET_ID" >/dev/null 2>"$IN/err"; do
	tries=$((tries + 1))
	[ "$tries" -lt 30 ] || die "secret $TENANT_SECRET_ID does not exist: $(head -c 300 "$IN/err")"
	sleep 10
done
if value "$TENANT_SECRET_ID" "$IN/current.json"; then
	log "read the stored configuration of $TENANT_SECRET_ID"
elif grep -q ResourceNotFoundException "$IN/err"; then
	# The secret exists but has no value: this is the first run.
	rm -f "$IN/current.json"
	log "$TENANT_SECRET_ID has no value yet"
else
	die "cannot read $TENANT_SECRET_ID: $(head -c 300 "$IN/err")"
fi

# password FILE: 40 random letters and digits from the kernel's CSPRNG.
# Alphanumeric, so that no quoting can go wrong in SQL or URLs.
password() {
	head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9' | head -c 40 >"$1"
	[ "$(($(wc -c <"$1")))" -eq 40 ] || die "cannot draw a password"
}
password "$IN/mysql-password.new"
password "$IN/mongodb-password.new"
log "done"
