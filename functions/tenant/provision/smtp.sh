#!/bin/sh
# Step 5 of an Open edX instance's provisioning Job (provision.go), in the
# AWS CLI image: makes sure the instance's SES SMTP user has exactly the
# access key its stored configuration holds. When nothing is stored, or
# the stored key no longer exists, its keys are stale (an interrupted run,
# a re-created user): they are deleted and one new key is created for
# render to convert. IAM allows a user two keys, so deleting first also
# keeps creation from failing.
#
# The new key goes to the memory-backed work volume, never to the log. No
# `set -x`.
set -eu

log() { printf '%s provision/smtp: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

if [ -z "${SMTP_IAM_USER:-}" ]; then
	log "the platform sends no mail (no SES domain): no SMTP credentials"
	exit 0
fi

readonly DIR="${PROVISION_WORK:-/work}/smtp"
umask 077
mkdir -p "$DIR"

# The user is composed by Crossplane alongside this Job: wait for it, for
# at most five minutes.
tries=0
until keys=$(aws iam list-access-keys --user-name "$SMTP_IAM_USER" --query 'AccessKeyMetadata[].AccessKeyId' --output text 2>"$DIR/err"); do
	tries=$((tries + 1))
	[ "$tries" -lt 30 ] || die "cannot list the access keys of IAM user $SMTP_IAM_USER: $(head -c 300 "$DIR/err")"
	sleep 10
done
[ "$keys" = None ] && keys=""

stored=""
if [ -f "$DIR/stored-key-id" ]; then
	stored=$(cat "$DIR/stored-key-id")
fi
if [ -n "$stored" ]; then
	for k in $keys; do
		if [ "$k" = "$stored" ]; then
			log "the stored SMTP credentials are current"
			exit 0
		fi
	done
fi

stale=0
for k in $keys; do
	aws iam delete-access-key --user-name "$SMTP_IAM_USER" --access-key-id "$k"
	stale=$((stale + 1))
done
log "deleted $stale stale access key(s) of IAM user $SMTP_IAM_USER"
aws iam create-access-key --user-name "$SMTP_IAM_USER" --output json >"$DIR/new-key.json"
log "created a new access key for IAM user $SMTP_IAM_USER"
