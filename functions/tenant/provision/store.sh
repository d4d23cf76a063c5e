#!/bin/sh
# Last step of an Open edX instance's provisioning Job (provision.go), in
# the AWS CLI image: stores the rendered Tutor configuration in the
# instance's secret, only if it differs from what is stored, so that a
# re-run adds no secret version and restarts nothing. No `set -x`.
set -eu

: "${TENANT_SECRET_ID:?}"

readonly WORK="${PROVISION_WORK:-/work}"

log() { printf '%s provision/store: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

if [ -f "$WORK/out/unchanged" ]; then
	log "$TENANT_SECRET_ID is up to date"
	exit 0
fi
aws secretsmanager put-secret-value --secret-id "$TENANT_SECRET_ID" \
	--secret-string "file://$WORK/out/config.json" >/dev/null
log "stored a new version of $TENANT_SECRET_ID"
