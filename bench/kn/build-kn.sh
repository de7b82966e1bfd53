#!/usr/bin/env bash
# Build Knative's CLI `kn` from the Go module proxy, once, cached by version:
#   $FN_TESTENV_CACHE/kn-$KN_VERSION/kn   (default ~/.cache/fn-testenv)
# Prints the binary's path. `go install knative.dev/client/cmd/kn@…` is refused (its go.mod has
# `replace knative.dev/client/pkg => ./pkg`), and the proxy serves the nested pkg module only as a
# pseudo-version of the same commit, so: download both, put pkg where the replace points, build inside.
# About 11 minutes niced on 2 cores, cold; instant when cached.
set -euo pipefail
KN_VERSION=${KN_VERSION:-v0.45.0}
KN_PKG_VERSION=${KN_PKG_VERSION:-v0.0.0-20250423184323-96721e598f77}  # knative.dev/client/pkg at the same commit
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
CACHE=${FN_TESTENV_CACHE:-$HOME/.cache/fn-testenv}
out=$CACHE/kn-$KN_VERSION
if [[ -x $out/kn ]]; then echo "$out/kn"; exit 0; fi
[[ -x $GO ]] || { echo "build-kn: no Go toolchain (set GO=)" >&2; exit 1; }
command -v jq >/dev/null || { echo "build-kn: needs jq" >&2; exit 1; }
dl() { (cd /tmp && "$GO" mod download -json "$1" | jq -r '.Dir // empty'); }
cdir=$(dl "knative.dev/client@$KN_VERSION"); [[ -d $cdir ]] || { echo "build-kn: could not download knative.dev/client@$KN_VERSION" >&2; exit 1; }
pdir=$(dl "knative.dev/client/pkg@$KN_PKG_VERSION"); [[ -d $pdir ]] || { echo "build-kn: could not download knative.dev/client/pkg@$KN_PKG_VERSION" >&2; exit 1; }
w=$(mktemp -d)
trap 'chmod -R u+w "$w" 2>/dev/null; rm -rf "$w"' EXIT
cp -r "$cdir" "$w/client"; chmod -R u+w "$w/client"
rm -rf "$w/client/pkg"; cp -r "$pdir" "$w/client/pkg"; chmod -R u+w "$w/client/pkg"
grep -q 'knative.dev/client/pkg => ./pkg' "$w/client/go.mod" || { echo "build-kn: go.mod no longer replaces pkg with ./pkg: check the recipe" >&2; exit 1; }
mkdir -p "$out.tmp"
(cd "$w/client" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod nice "$GO" build -trimpath -ldflags "-s -w" -o "$out.tmp/kn" ./cmd/kn) >&2
rm -rf "$out"; mv "$out.tmp" "$out"
echo "$out/kn"
