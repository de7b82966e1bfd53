#!/usr/bin/env bash
# Builds actionlint (github.com/rhysd/actionlint), which the CI tests run on action.yml and on the
# workflows `fn ci github` writes, once, into fn's tool cache, and prints the binary's path.
# The version and checksums are pinned in tool/go.mod and tool/go.sum, as for the CloudEvents
# conformance tool (runtimes/conformance/install.sh: built through that module rather than
# `go install …@version`, which also asks the module proxy for the version list, a request it may refuse).
# Needs Go; the first run downloads the tool's modules. `--print-path` prints where the binary belongs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=$(sed -n 's|^require github.com/rhysd/actionlint \(v[^ ]*\)$|\1|p' "$here/tool/go.mod")
[[ -n $version ]] || { echo "install.sh: no github.com/rhysd/actionlint version in $here/tool/go.mod" >&2; exit 1; }
dir="${FN_TESTENV_CACHE:-$HOME/.cache/fn-testenv}/actionlint-$version"
bin="$dir/actionlint"
if [[ ${1:-} == --print-path ]]; then echo "$bin"; exit 0; fi
if [[ ! -x $bin ]]; then
  command -v go >/dev/null || { echo "install.sh: Go is needed to build actionlint" >&2; exit 1; }
  mkdir -p "$dir"
  echo "building actionlint $version into $dir" >&2
  (cd "$here/tool" && GOFLAGS=-mod=readonly go build -o "$bin.tmp.$$" github.com/rhysd/actionlint/cmd/actionlint)
  mv "$bin.tmp.$$" "$bin"
fi
echo "$bin"
