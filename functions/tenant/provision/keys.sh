#!/bin/sh
# Step 2 of an Open edX instance's provisioning Job (provision.go), in the
# MySQL image, the only one of the Job's images with the openssl tool:
# draws a new RSA key in the format Tutor generates its JWT_RSA_PRIVATE_KEY
# in (2048 bits, PKCS#1 PEM, as pycryptodome's RSA.generate(2048)
# .export_key()). plan uses it only where none is stored yet, like the
# passwords fetch.sh draws.
#
# The key goes to the memory-backed work volume, never to the log. No
# `set -x`.
set -eu

readonly IN="${PROVISION_WORK:-/work}/in"

log() { printf '%s provision/keys: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

umask 077
mkdir -p "$IN"
openssl genrsa -traditional -out "$IN/jwt-rsa-private-key.new" 2048 2>"$IN/keys.err" ||
	die "cannot draw an RSA key: $(head -c 300 "$IN/keys.err")"
log "done"
