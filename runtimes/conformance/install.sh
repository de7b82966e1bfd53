#!/usr/bin/env bash
# Builds the CloudEvents conformance tool (github.com/cloudevents/conformance, `cloudevents send`) that the
# invokers' tests send events with, once, into fn's tool cache, and prints the binary's path.
# The version and checksums are pinned in tool/go.mod and tool/go.sum. (Built through that module rather
# than `go install …@v0.4.1`, which also asks the module proxy for the module's version list to look for
# deprecation notices, a request the proxy may refuse.) Needs Go; the first run downloads the tool's modules.
# `install.sh --print-path` only prints where the binary belongs (the tests look there), building nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=$(sed -n 's|^require github.com/cloudevents/conformance \(v[^ ]*\)$|\1|p' "$here/tool/go.mod")
[[ -n $version ]] || { echo "install.sh: no github.com/cloudevents/conformance version in $here/tool/go.mod" >&2; exit 1; }
dir="${FN_TESTENV_CACHE:-$HOME/.cache/fn-testenv}/cloudevents-conformance-$version"
bin="$dir/cloudevents"
if [[ ${1:-} == --print-path ]]; then echo "$bin"; exit 0; fi
if [[ ! -x $bin ]]; then
  command -v go >/dev/null || { echo "install.sh: Go is needed to build the CloudEvents conformance tool" >&2; exit 1; }
  mkdir -p "$dir"
  echo "building the CloudEvents conformance tool $version into $dir" >&2
  (cd "$here/tool" && GOFLAGS=-mod=readonly go build -o "$bin.tmp.$$" github.com/cloudevents/conformance/cmd/cloudevents)
  mv "$bin.tmp.$$" "$bin"
fi
echo "$bin"
