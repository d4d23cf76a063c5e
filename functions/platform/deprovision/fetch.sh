#!/bin/sh
# Step 1 of the Job that drops a deleted tenant's data (deprovision.go), in
# the AWS CLI image: checks that the scripts are the ones the Job was
# composed with and reads the Aurora and MongoDB admin secrets, and the
# certificate of the platform's MongoDB CA.
#
# Secret values go to files in the Job's memory-backed work volume, never to
# the log or a command line: no `set -x`.
set -eu

: "${SCRIPTS:?}" "${SCRIPTS_SHA256:?}"
: "${MYSQL_ADMIN_SECRET_ARN:?}" "${MONGODB_ADMIN_SECRET_ARN:?}"

# The Job's mounts; tests point elsewhere.
readonly WORK="${DEPROVISION_WORK:-/work}" SCRIPTS_DIR="${DEPROVISION_SCRIPTS:-/scripts}"
readonly IN="$WORK/in"
umask 077
mkdir -p "$IN"

log() { printf '%s deprovision/fetch: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# The ConfigMap and the Job are applied separately: a pod that starts
# before a new ConfigMap reaches its node would run old scripts. Failing
# makes the Job retry with a fresh mount.
sum=$(cd "$SCRIPTS_DIR" && for f in $SCRIPTS; do cat "$f"; done | sha256sum)
[ "${sum%% *}" = "$SCRIPTS_SHA256" ] || die "the mounted scripts are not the ones this Job was composed with yet"

# AWS CLI errors go to $IN/err; they never hold a secret's value.
for pair in "mysql-admin $MYSQL_ADMIN_SECRET_ARN" "mongodb-admin $MONGODB_ADMIN_SECRET_ARN"; do
	name=${pair%% *}
	arn=${pair#* }
	aws secretsmanager get-secret-value --secret-id "$arn" --query SecretString --output json >"$IN/$name.json" 2>"$IN/err" ||
		die "cannot read $arn: $(head -c 300 "$IN/err")"
done
# The certificate of the CA of the platform's own MongoDB members, which
# mongodb.sh verifies them with. An external replica set has none.
if [ -n "${MONGODB_CA_SECRET_ARN:-}" ]; then
	aws secretsmanager get-secret-value --secret-id "$MONGODB_CA_SECRET_ARN" --query SecretString --output text >"$IN/mongodb-ca.pem" 2>"$IN/err" ||
		die "cannot read $MONGODB_CA_SECRET_ARN: $(head -c 300 "$IN/err")"
	grep -q -- '-----BEGIN CERTIFICATE-----' "$IN/mongodb-ca.pem" || die "$MONGODB_CA_SECRET_ARN holds no PEM certificate"
fi
log "done"
