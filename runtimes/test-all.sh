#!/usr/bin/env bash
# Runs every invoker's own tests, each in its language: Node.js and TypeScript (node --test), Python
# (pytest, via python/test.sh, which makes its venv), Go (go test). Installs what they need when missing
# (fn's node_modules, the Python test venv, Go modules, the CloudEvents conformance tool that every suite
# sends the shared table conformance/cases.json with) and exits non-zero if any suite fails.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
failed=()

suite() {
  local name="$1"
  shift
  echo "=== runtimes/$name"
  if ! "$@"; then failed+=("$name"); fi
}

# The Node invoker's CloudEvents SDK, tsx and typescript come from fn's own node_modules.
if [ ! -d "$root/node_modules/cloudevents" ] || [ ! -d "$root/node_modules/tsx" ]; then
  (cd "$root" && npm ci --no-audit --no-fund) || failed+=("npm ci")
fi

# Built once into fn's tool cache; a suite that cannot find it fails (it never skips the table).
if tool="$(bash "$here/conformance/install.sh")"; then
  export FN_CE_CONFORMANCE="$tool"
else
  failed+=("conformance tool")
fi

suite node node --test "$here/node/test/"
suite typescript node --test "$here/typescript/test/"
suite python bash "$here/python/test.sh"
suite go bash -c "cd '$here/go' && go mod download && go test -count=1 ./..."

if [ ${#failed[@]} -gt 0 ]; then
  echo "runtimes: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "runtimes: all invoker suites passed"
