#!/bin/bash
# Installs, configures and joins one member of an Open edX platform's MongoDB
# replica set on Amazon Linux 2023 (arm64). cloud-init runs it as root at the
# first boot, and it installs itself to run again at every boot: every step
# is idempotent. function-openedx-platform (mongodb.go) prepends the
# variables checked below; nothing else in this file is generated.
#
# Secrets never reach the log or a command line: no `set -x`; values go
# through files in a private directory, or the environment of mongosh.
set -euo pipefail

: "${PLATFORM:?}" "${REGION:?}" "${REPLICA_SET:?}" "${MEMBER_INDEX:?}" "${MEMBER_HOSTS:?}" "${MEMBER_IP:?}"
: "${ADMIN_SECRET_ID:?}" "${KEYFILE_SECRET_ID:?}" "${CA_KEY_SECRET_ID:?}" "${CA_SECRET_ID:?}"
: "${MONGODB_VERSION:?}" "${DATA_DEVICE:?}"
[[ "$MEMBER_INDEX" =~ ^[0-9]+$ ]] || {
	echo "MEMBER_INDEX must be a number" >&2
	exit 1
}

export AWS_DEFAULT_REGION="$REGION" AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=10 AWS_PAGER=""
export HOME="${HOME:-/root}" REPLICA_SET MEMBER_HOSTS
# This member's DNS name, which its certificate names.
read -ra _hosts <<<"$MEMBER_HOSTS"
MEMBER_HOST=${_hosts[$MEMBER_INDEX]:-}
[[ -n "$MEMBER_HOST" ]] || {
	echo "MEMBER_HOSTS has no host for member $MEMBER_INDEX" >&2
	exit 1
}
readonly MEMBER_HOST
umask 022

readonly DATA_DIR=/var/lib/mongo
readonly KEYFILE=/etc/mongod.keyfile
readonly PORT=27017
readonly PER_BOOT=/var/lib/cloud/scripts/per-boot/mongodb-init.sh
# The platform's CA certificate and this member's certificate and key, in
# one file as mongod wants it. Tests point TLS_DIR elsewhere.
readonly TLS_DIR="${TLS_DIR:-/etc/mongod-tls}"
readonly CA_FILE="$TLS_DIR/ca.pem" MEMBER_PEM="$TLS_DIR/member.pem"
# The CA signs member certificates only; members re-issue theirs at boot
# when less than a year is left.
readonly CA_DAYS=7300 MEMBER_DAYS=1825 MEMBER_RENEW_SECONDS=31536000

# Private scratch space (mode 0700) for secret values.
WORK=$(mktemp -d "${TMPDIR:-/run}/mongodb-init.XXXXXX")
readonly WORK
trap 'rm -rf "$WORK"' EXIT

log() { printf '%s mongodb-init[%s]: %s\n' "$(date -u +%FT%TZ)" "$MEMBER_INDEX" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# retry SECONDS INTERVAL COMMAND...: runs COMMAND until it succeeds, for at
# most SECONDS.
retry() {
	local deadline=$((SECONDS + $1)) interval=$2
	shift 2
	until "$@"; do
		[[ $SECONDS -lt $deadline ]] || return 1
		sleep "$interval"
	done
}

# msh HOST JS: evaluates JS on HOST alone, without authenticating, over TLS
# verified against the platform's CA (localhost is in every member's
# certificate).
msh() {
	mongosh --quiet --norc "mongodb://$1:$PORT/?directConnection=true&serverSelectionTimeoutMS=5000&tls=true&tlsCAFile=$CA_FILE" --eval "$2"
}

# get_secret ID FILE: writes the secret's current value to FILE. Returns 3
# when the secret has no value yet (or does not exist yet), 1 on any other
# error.
get_secret() {
	if aws secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text >"$2" 2>"$WORK/err"; then
		[[ -s "$2" ]] && return 0
		return 3
	fi
	grep -q ResourceNotFoundException "$WORK/err" && return 3
	log "cannot read secret $1: $(head -c 300 "$WORK/err")"
	return 1
}

# put_secret ID FILE: stores the content of FILE as the secret's new value.
put_secret() {
	aws secretsmanager put-secret-value --secret-id "$1" --secret-string "file://$2" >/dev/null 2>"$WORK/err" && return 0
	log "cannot write secret $1: $(head -c 300 "$WORK/err")"
	return 1
}

# ensure_secret ID FILE GENERATOR: reads the secret into FILE. When it has
# no value yet, member 0 stores what GENERATOR prints; other members wait
# for member 0.
ensure_secret() {
	local id=$1 file=$2 generate=$3 rc deadline=$((SECONDS + 3600))
	while :; do
		rc=0
		get_secret "$id" "$file" || rc=$?
		[[ $rc -eq 0 ]] && return 0
		if [[ $rc -eq 3 && $MEMBER_INDEX -eq 0 ]]; then
			log "generating the value of secret $id"
			"$generate" >"$WORK/new"
			# Read back what was stored rather than trusting the local copy.
			put_secret "$id" "$WORK/new" && continue
		fi
		[[ $SECONDS -lt $deadline ]] || die "secret $id has no value"
		sleep 10
	done
}

# 1008 base64 characters on one line: within mongod's 1024 whatever it counts.
new_keyfile() { openssl rand -base64 756 | tr -d '\n'; }
new_admin() { printf '{"username":"admin","password":"%s"}' "$(openssl rand -hex 32)"; }

# The platform's CA is its own: ACM Private CA would cost about $400 a
# month for what three certificates need. Its key (ECDSA P-256, PEM) is in
# the CA key secret, which only members can read; its certificate is in the
# CA secret, which tenants' provisioner reads. Member 0 draws both, the
# certificate from the key as stored.
new_ca_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null; }
new_ca_cert() {
	openssl req -x509 -new -key "$WORK/ca.key" -sha256 -days "$CA_DAYS" \
		-subj "/O=Open edX platform $PLATFORM/CN=MongoDB CA" \
		-addext basicConstraints=critical,CA:TRUE,pathlen:0 \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>"$WORK/err" ||
		die "cannot draw the CA certificate: $(head -c 300 "$WORK/err")"
}

# ensure_ca installs the CA certificate after checking that it is the CA
# key's, so that a member never trusts a certificate it cannot issue from.
ensure_ca() {
	ensure_secret "$CA_KEY_SECRET_ID" "$WORK/ca.key" new_ca_key
	ensure_secret "$CA_SECRET_ID" "$WORK/ca.pem" new_ca_cert
	[[ "$(openssl x509 -noout -pubkey -in "$WORK/ca.pem")" == "$(openssl pkey -pubout -in "$WORK/ca.key")" ]] ||
		die "the certificate in $CA_SECRET_ID is not that of the key in $CA_KEY_SECRET_ID"
	install -d -m 0755 "$TLS_DIR"
	if write_if_changed "$CA_FILE" 0644 root <"$WORK/ca.pem"; then TLS_CHANGED=1; fi
}

# member_cert_current: the installed certificate was issued by the current
# CA for this member's name and address, and has more than a year left.
member_cert_current() {
	[[ -s "$MEMBER_PEM" ]] &&
		openssl verify -CAfile "$CA_FILE" "$MEMBER_PEM" >/dev/null 2>&1 &&
		openssl x509 -noout -checkend "$MEMBER_RENEW_SECONDS" -in "$MEMBER_PEM" >/dev/null &&
		openssl x509 -noout -checkhost "$MEMBER_HOST" -in "$MEMBER_PEM" | grep -q 'does match' &&
		openssl x509 -noout -checkip "$MEMBER_IP" -in "$MEMBER_PEM" | grep -q 'does match'
}

# issue_member_cert: a new key and a certificate for this member's DNS name,
# its address and localhost (the init script's own connections), usable as
# server and as client (members connect to each other with it).
issue_member_cert() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/member.key" 2>"$WORK/err" ||
		die "cannot draw the member key: $(head -c 300 "$WORK/err")"
	openssl req -new -key "$WORK/member.key" -subj "/O=Open edX platform $PLATFORM/CN=$MEMBER_HOST" -out "$WORK/member.csr" 2>"$WORK/err" ||
		die "cannot draw the member request: $(head -c 300 "$WORK/err")"
	printf '%s\n' \
		"basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth,clientAuth" \
		"subjectAltName=DNS:$MEMBER_HOST,IP:$MEMBER_IP,DNS:localhost,IP:127.0.0.1" >"$WORK/member.ext"
	openssl x509 -req -in "$WORK/member.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
		-sha256 -days "$MEMBER_DAYS" -extfile "$WORK/member.ext" -out "$WORK/member.crt" 2>"$WORK/err" ||
		die "cannot issue the member certificate: $(head -c 300 "$WORK/err")"
	cat "$WORK/member.crt" "$WORK/member.key" | write_if_changed "$MEMBER_PEM" 0400 mongod || true
}

# ensure_member_cert issues a certificate unless the installed one is
# current.
ensure_member_cert() {
	if member_cert_current; then return 0; fi
	log "issuing this member's certificate"
	issue_member_cert
	TLS_CHANGED=1
}

# Set by ensure_ca and ensure_member_cert when mongod must restart.
TLS_CHANGED=0

# write_if_changed FILE MODE OWNER: installs standard input as FILE; returns
# 0 if that changed FILE, 1 otherwise.
write_if_changed() {
	cat >"$WORK/next"
	if cmp -s "$WORK/next" "$1"; then return 1; fi
	install -o "$3" -g "$3" -m "$2" "$WORK/next" "$1"
}

install_per_boot() {
	local self
	self=$(readlink -f "$0")
	if [[ "$self" != "$PER_BOOT" ]]; then
		install -D -m 0700 "$self" "$PER_BOOT"
	fi
}

# The data volume is formatted only if it holds nothing, and mounted by
# UUID. mongod requires the mount, so it never starts on the root volume.
prepare_data_volume() {
	local dev rc=0 fstype uuid
	retry 600 5 test -b "$DATA_DEVICE" || die "data volume $DATA_DEVICE did not appear"
	dev=$(readlink -f "$DATA_DEVICE")
	blkid -p "$dev" >/dev/null 2>&1 || rc=$?
	case $rc in
	0) ;;
	2)
		log "formatting $dev as xfs"
		mkfs.xfs -q -L mongodb "$dev"
		;;
	*) die "cannot probe $dev (blkid exit $rc)" ;;
	esac
	fstype=$(blkid -p -o value -s TYPE "$dev" || true)
	[[ "$fstype" == xfs ]] || die "$dev holds '${fstype:-a partition table}', not xfs: refusing to touch it"
	uuid=$(blkid -p -o value -s UUID "$dev")
	mkdir -p "$DATA_DIR"
	if ! grep -Eq "^[^#]*[[:space:]]${DATA_DIR}[[:space:]]" /etc/fstab; then
		printf 'UUID=%s %s xfs defaults,noatime,nofail 0 2\n' "$uuid" "$DATA_DIR" >>/etc/fstab
		systemctl daemon-reload
	fi
	mountpoint -q "$DATA_DIR" || mount "$DATA_DIR"
	mountpoint -q "$DATA_DIR" || die "$DATA_DIR is not mounted"
}

install_mongodb() {
	cat >"/etc/yum.repos.d/mongodb-org-$MONGODB_VERSION.repo" <<EOF
[mongodb-org-$MONGODB_VERSION]
name=MongoDB $MONGODB_VERSION
baseurl=https://repo.mongodb.org/yum/amazon/2023/mongodb-org/$MONGODB_VERSION/aarch64/
gpgcheck=1
enabled=1
gpgkey=https://pgp.mongodb.com/server-$MONGODB_VERSION.asc
EOF
	if ! rpm -q mongodb-org mongodb-mongosh logrotate >/dev/null 2>&1; then
		retry 1800 20 dnf install -y -q mongodb-org mongodb-mongosh logrotate || die "cannot install MongoDB $MONGODB_VERSION"
	fi
	# If this mongosh build does not run with the system's OpenSSL 3, use
	# the one linked against it.
	if ! mongosh --version >/dev/null 2>&1; then
		retry 600 20 dnf swap -y -q mongodb-mongosh mongodb-mongosh-shared-openssl3 || die "cannot install mongosh"
	fi
	printf 'mongosh:\n  enableTelemetry: false\n' >/etc/mongosh.conf
	command -v aws >/dev/null || retry 600 20 dnf install -y -q awscli-2 || die "cannot install the AWS CLI"
}

# mongod_conf prints mongod's configuration.
mongod_conf() {
	cat <<EOF
# Written by mongodb-init.sh at every boot: edits are lost.
storage:
  dbPath: $DATA_DIR
systemLog:
  destination: file
  path: /var/log/mongodb/mongod.log
  logAppend: true
  logRotate: reopen
processManagement:
  timeZoneInfo: /usr/share/zoneinfo
net:
  port: $PORT
  bindIpAll: true
  # TLS only, for members and clients alike. Clients (tenants) present no
  # certificate: they authenticate with SCRAM, members with the keyfile.
  tls:
    mode: requireTLS
    certificateKeyFile: $MEMBER_PEM
    CAFile: $CA_FILE
    allowConnectionsWithoutCertificates: true
    disabledProtocols: TLS1_0,TLS1_1
replication:
  replSetName: $REPLICA_SET
security:
  keyFile: $KEYFILE
  authorization: enabled
EOF
}

# mongod is restarted only when its configuration, keyfile or certificates
# changed, so that an ordinary reboot does not restart it twice.
configure_mongod() {
	local changed=0 f
	chown mongod:mongod "$DATA_DIR"
	chmod 0750 "$DATA_DIR"
	if write_if_changed "$KEYFILE" 0400 mongod <"$WORK/keyfile"; then changed=1; fi
	ensure_ca
	ensure_member_cert
	if [[ $TLS_CHANGED -eq 1 ]]; then changed=1; fi
	if mongod_conf | write_if_changed /etc/mongod.conf 0644 root; then changed=1; fi
	mkdir -p /etc/systemd/system/mongod.service.d
	if printf '[Unit]\nRequiresMountsFor=%s\n' "$DATA_DIR" |
		write_if_changed /etc/systemd/system/mongod.service.d/10-data-volume.conf 0644 root; then changed=1; fi
	write_if_changed /etc/logrotate.d/mongod 0644 root <<'EOF' || true
/var/log/mongodb/mongod.log {
  daily
  rotate 14
  compress
  delaycompress
  missingok
  notifempty
  create 0600 mongod mongod
  sharedscripts
  postrotate
    /bin/systemctl kill --signal=SIGUSR1 mongod.service >/dev/null 2>&1 || true
  endscript
}
EOF
	# MongoDB 7.0 advises against transparent huge pages.
	for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag; do
		if [[ -w "$f" ]]; then echo never >"$f"; fi
	done
	systemctl daemon-reload
	systemctl enable mongod
	if [[ $changed -eq 1 ]]; then
		systemctl restart mongod
	else
		systemctl start mongod
	fi
	retry 300 2 msh localhost 'db.adminCommand({ping: 1})' >/dev/null || die "mongod does not answer"
}

# replica_set_state prints initialised or uninitialised. Once a user exists
# rs.status() needs authentication, and users exist only in an initialised
# set.
replica_set_state() {
	msh localhost '
try { rs.status(); print("initialised") } catch (e) {
  if (e.codeName === "NotYetInitialized") print("uninitialised")
  else if (e.codeName === "Unauthorized") print("initialised")
  else throw e
}'
}

is_initialised() { [[ "$(replica_set_state)" == initialised ]]; }

is_primary() { [[ "$(msh localhost 'print(db.hello().isWritablePrimary === true)')" == true ]]; }

# Member 0 initiates the set with the three members, preferring itself as
# primary so that it can create the first user through the localhost
# exception. A new member 0 among members that already form the set is not
# initiated by this: it receives the set's configuration from their
# heartbeats.
initiate_replica_set() {
	local host
	if [[ "$(retry 120 5 replica_set_state)" == initialised ]]; then return 0; fi
	for host in $MEMBER_HOSTS; do
		log "waiting for $host"
		retry 3600 10 msh "$host" 'db.adminCommand({ping: 1})' >/dev/null || die "$host does not answer"
	done
	if [[ "$(retry 120 5 replica_set_state)" == uninitialised ]]; then
		log "initiating replica set $REPLICA_SET"
		msh localhost '
const hosts = process.env.MEMBER_HOSTS.split(" ")
try {
  rs.initiate({_id: process.env.REPLICA_SET, members: hosts.map((h, i) => ({_id: i, host: h + ":27017", priority: i === 0 ? 2 : 1}))})
} catch (e) {
  if (e.codeName !== "AlreadyInitialized") throw e
}' >/dev/null || log "rs.initiate failed; waiting for the set's configuration"
	fi
	retry 600 5 is_initialised || die "replica set $REPLICA_SET is not initialised"
}

# The admin user (role root) is created once, on the primary, with the
# password of the admin secret; member 0 generates that password if the
# secret is empty. Users replicate: if this member can authenticate as
# admin, there is nothing to do.
readonly ADMIN_EXISTS='
function adminExists() {
  try { db.getSiblingDB("admin").auth({user: "admin", pwd: process.env.MONGODB_ADMIN_PASSWORD}); return true } catch (e) {
    if (e.codeName !== "AuthenticationFailed") throw e
    return false
  }
}
'

ensure_admin_user() {
	ensure_secret "$ADMIN_SECRET_ID" "$WORK/admin.json" new_admin
	MONGODB_ADMIN_PASSWORD=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])' <"$WORK/admin.json") ||
		die "secret $ADMIN_SECRET_ID is not JSON with a password"
	export MONGODB_ADMIN_PASSWORD
	if [[ "$(msh localhost "$ADMIN_EXISTS"'print(adminExists())')" != true ]]; then
		retry 900 5 is_primary || die "this member did not become primary"
		log "creating the admin user"
		msh localhost "$ADMIN_EXISTS"'
if (!adminExists()) {
  db.getSiblingDB("admin").createUser({user: "admin", pwd: process.env.MONGODB_ADMIN_PASSWORD, roles: [{role: "root", db: "admin"}]})
}' >/dev/null || die "cannot create the admin user: does it exist with another password than the secret's?"
	fi
	unset MONGODB_ADMIN_PASSWORD
}

main() {
	log "configuring member $MEMBER_INDEX of $REPLICA_SET ($PLATFORM)"
	install_per_boot
	prepare_data_volume
	install_mongodb
	ensure_secret "$KEYFILE_SECRET_ID" "$WORK/keyfile" new_keyfile
	configure_mongod
	if [[ $MEMBER_INDEX -eq 0 ]]; then
		initiate_replica_set
		ensure_admin_user
	fi
	log "done"
}

# Tests source this file for its functions.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	main "$@"
fi
