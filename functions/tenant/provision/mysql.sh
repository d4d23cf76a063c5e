#!/bin/sh
# Step 3 of an Open edX instance's provisioning Job (provision.go), in the
# MySQL image: creates the instance's database and user on the platform's
# Aurora cluster, or brings them back to what the stored configuration
# says. Every statement is idempotent, and ALTER USER makes the stored
# password authoritative even if the user existed with another one.
#
# The admin credentials are in a defaults file of the memory-backed work
# volume, never on the command line; the instance's password reaches the
# client on its standard input. No `set -x`.
set -eu

: "${MYSQL_HOST:?}" "${MYSQL_PORT:?}" "${MYSQL_DATABASE:?}" "${MYSQL_USERNAME:?}"

readonly WORK="${PROVISION_WORK:-/work}"

log() { printf '%s provision/mysql: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# Names and the password are written into SQL: allow nothing that could
# end a quoted name or string.
case "$MYSQL_DATABASE$MYSQL_USERNAME" in
*[!A-Za-z0-9_-]*) die "database or user name holds characters other than letters, digits, '_' and '-'" ;;
esac
PASSWORD=$(cat "$WORK/mysql/password")
case "$PASSWORD" in
"" | *[!A-Za-z0-9]*) die "the instance's MySQL password is not alphanumeric" ;;
esac

log "ensuring database $MYSQL_DATABASE and user $MYSQL_USERNAME on $MYSQL_HOST:$MYSQL_PORT"
# Aurora requires TLS (require_secure_transport).
mysql --defaults-extra-file="$WORK/mysql/admin.cnf" \
	--host="$MYSQL_HOST" --port="$MYSQL_PORT" --ssl-mode=REQUIRED \
	--connect-timeout=20 --batch --skip-column-names <<SQL
CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$MYSQL_USERNAME'@'%' IDENTIFIED BY '$PASSWORD';
ALTER USER '$MYSQL_USERNAME'@'%' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_USERNAME'@'%';
SQL
log "done"
