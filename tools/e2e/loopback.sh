#!/usr/bin/env bash
# Prepares a build of Crossplane core whose metrics, health probe and webhook
# servers listen on 127.0.0.1 instead of every interface: `crossplane core
# start` formats the first two addresses as ":PORT", leaves the webhook
# server's host empty (every interface), and has no flag for any host; the
# e2e tier must not listen beyond 127.0.0.1.
#
# Go refuses -overlay for files in the module cache, so this copies the
# Crossplane module into OUT_DIR/src, patches the copy, and writes
# OUT_DIR/go.mod: tools/e2e's go.mod and go.sum plus a replace of the module
# by the copy. Build with `go build -modfile=OUT_DIR/go.mod`.
#
# Usage (from tools/e2e): loopback.sh OUT_DIR   prints the go.mod's path.
set -euo pipefail

out=$(mkdir -p "$1" && cd "$1" && pwd)
module=github.com/crossplane/crossplane/v2
file=cmd/crossplane/core/core.go

dir=$(go list -m -f '{{.Dir}}' "$module")
if [ -z "$dir" ]; then
    go mod download "$module"
    dir=$(go list -m -f '{{.Dir}}' "$module")
fi
rm -rf "$out/src" && mkdir -p "$out"
cp -R "$dir" "$out/src" && chmod -R u+w "$out/src"
sed -i -e 's/fmt\.Sprintf(":%d", c\.MetricsPort)/fmt.Sprintf("127.0.0.1:%d", c.MetricsPort)/' \
       -e 's/fmt\.Sprintf(":%d", c\.HealthProbePort)/fmt.Sprintf("127.0.0.1:%d", c.HealthProbePort)/' \
       -e 's/^\([[:space:]]*\)Port: c\.WebhookPort,$/\1Host: "127.0.0.1",\n\1Port: c.WebhookPort,/' \
       "$out/src/$file"
if [ "$(grep -c '"127\.0\.0\.1:%d"' "$out/src/$file")" != 2 ] || [ "$(grep -c 'Host: "127\.0\.0\.1",' "$out/src/$file")" != 1 ]; then
    echo "loopback.sh: $dir/$file no longer sets its metrics, health probe and webhook addresses as expected; update the patterns" >&2
    exit 1
fi
cp go.mod "$out/go.mod" && cp go.sum "$out/go.sum"
printf '\nreplace %s => %s\n' "$module" "$out/src" >> "$out/go.mod"
echo "$out/go.mod"
