#!/bin/sh
# Step 4 of an Open edX instance's provisioning Job (provision.go), in the
# MongoDB image: runs mongodb.js, which creates or updates the instance's
# user. The connection string holds no credentials; mongodb.js
# authenticates with the admin secret from the work volume. No `set -x`.
set -eu

: "${MONGODB_HOSTS:?}" "${MONGODB_REPLICA_SET:?}" "${MONGODB_TLS:?}"
: "${MONGODB_USERNAME:?}" "${MONGODB_DATABASE:?}" "${FORUM_MONGODB_DATABASE:?}"

readonly SCRIPTS_DIR="${PROVISION_SCRIPTS:-/scripts}"

log() { printf '%s provision/mongodb: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

uri="mongodb://$MONGODB_HOSTS/?replicaSet=$MONGODB_REPLICA_SET&authSource=admin&serverSelectionTimeoutMS=30000"
if [ "$MONGODB_TLS" = true ]; then
	uri="$uri&tls=true"
	# The platform's own members: verified with its CA, which fetch.sh read.
	if [ -n "${MONGODB_TLS_CA_FILE:-}" ]; then
		[ -s "$MONGODB_TLS_CA_FILE" ] || {
			log "ERROR: no CA certificate at $MONGODB_TLS_CA_FILE"
			exit 1
		}
		uri="$uri&tlsCAFile=$MONGODB_TLS_CA_FILE"
	fi
fi
log "ensuring user $MONGODB_USERNAME on replica set $MONGODB_REPLICA_SET"
mongosh "$uri" --quiet --norc --file "$SCRIPTS_DIR/mongodb.js"
log "done"
