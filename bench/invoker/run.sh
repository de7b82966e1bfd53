#!/usr/bin/env bash
# Benchmarks fn's Node invoker against a bare node:http server and faas-js-runtime (Knative func's Node
# runtime): requests/s with wrk and process start → first answer. Prints a markdown table and replaces
# the "invoker" section of bench/RESULTS.md. Takes about 3 minutes.
# Knobs: ROUNDS (5), WRK_SECONDS (5), STARTUP_RUNS (21).
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
# cloudevents (the invoker's only dependency) comes from fn's own node_modules.
[ -d "$root/node_modules/cloudevents" ] || (cd "$root" && npm ci --no-audit --no-fund >&2)

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
node "$here/bench.mjs" | tee "$report"
node "$root/bench/update-results.mjs" invoker "$report"
echo "Updated bench/RESULTS.md (section invoker)" >&2
