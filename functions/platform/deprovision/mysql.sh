#!/bin/sh
# Step 3 of the Job that drops a deleted tenant's data (deprovision.go), in
# the MySQL image: drops the instance's database and user from the
# platform's Aurora cluster. Both statements are idempotent, so a retried
# or repeated run succeeds.
#
# The admin credentials are in a defaults file of the memory-backed work
# volume, never on the command line. No `set -x`.
set -eu

: "${MYSQL_HOST:?}" "${MYSQL_PORT:?}" "${MYSQL_DATABASE:?}" "${MYSQL_USERNAME:?}"

readonly WORK="${DEPROVISION_WORK:-/work}"

log() { printf '%s deprovision/mysql: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# Names are written into SQL: allow nothing that could end a quoted name,
# and only the tenants' own names.
case "$MYSQL_DATABASE" in
openedx_*) ;;
*) die "database $MYSQL_DATABASE is not a tenant's" ;;
esac
case "$MYSQL_USERNAME" in
openedx_*) ;;
*) die "user $MYSQL_USERNAME is not a tenant's" ;;
esac
case "$MYSQL_DATABASE$MYSQL_USERNAME" in
*[!A-Za-z0-9_-]*) die "database or user name holds characters other than letters, digits, '_' and '-'" ;;
esac

log "dropping database $MYSQL_DATABASE and user $MYSQL_USERNAME on $MYSQL_HOST:$MYSQL_PORT"
# Aurora requires TLS (require_secure_transport).
mysql --defaults-extra-file="$WORK/mysql/admin.cnf" \
	--host="$MYSQL_HOST" --port="$MYSQL_PORT" --ssl-mode=REQUIRED \
	--connect-timeout=20 --batch --skip-column-names <<SQL
DROP DATABASE IF EXISTS \`$MYSQL_DATABASE\`;
DROP USER IF EXISTS '$MYSQL_USERNAME'@'%';
SQL
log "done"
