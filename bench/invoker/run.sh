#!/usr/bin/env bash
# Benchmarks fn's invokers against the bare server of their language and Knative func's runtime for it:
# Node (node:http, faas-js-runtime), Python (uvicorn with uvloop + httptools, func-python) and Go
# (net/http; func-go is not reachable through the Go module proxy here), requests/s
# with wrk and process start → first answer. Prints a markdown table per language and replaces the
# "invoker" section of bench/RESULTS.md. Takes about 8 minutes.
# Knobs: ROUNDS (5), WRK_SECONDS (5), STARTUP_RUNS (21), LANGS (e.g. python or node,go: only those).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if ! command -v wrk >/dev/null; then
  echo "Installing wrk (apt)" >&2
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if [ ! -f "$here/node_modules/faas-js-runtime/package.json" ]; then
  echo "Installing faas-js-runtime into bench/invoker/node_modules" >&2
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
# cloudevents (the Node invoker's only dependency) comes from fn's own node_modules.
[ -d "$root/node_modules/cloudevents" ] || (cd "$root" && npm ci --no-audit --no-fund >&2)

# Python: fn's invoker gets the venv `fn run` makes (prepare.py: the locked uvicorn, uvloop, httptools);
# func-python and the bare uvicorn get bench/invoker/python/.venv, filled the same way (so the bare
# uvicorn is the very version fn's invoker runs) plus requirements.txt.
py="$here/python"
FN_FUNCTION_DIR="$py/hello" FN_TEMPLATE=http python3 "$root/runtimes/python/prepare.py"
python3 "$root/runtimes/python/prepare.py" --venv "$py/.venv" --requirements "$py/requirements.txt"

# Go: the bare server built from bench/invoker/go/bare, fn's invoker compiled as `fn run` compiles it.
(cd "$here/go/bare" && go build -o "$here/go/.bin/bare" .)
FN_FUNCTION_DIR="$here/go/hello" FN_TEMPLATE=http sh "$root/runtimes/go/prepare.sh"

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
node "$here/bench.mjs" | tee "$report"
node "$root/bench/update-results.mjs" invoker "$report"
echo "Updated bench/RESULTS.md (section invoker)" >&2
