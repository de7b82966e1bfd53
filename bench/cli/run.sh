#!/usr/bin/env bash
# CLI start-up against `node -e 0` in the same run (bench/cli/bench.ts): whole commands, and each
# cluster command's time to its first API request on the local control plane when it runs. Writes the
# "CLI start-up" section of bench/RESULTS.md. As root, the measured processes run at real-time
# priority (chrt -f 10), so that other work on the machine delays them less; FN_BENCH_NO_RT=1 turns it off.
# Usage: bash bench/cli/run.sh   (after npm run build)
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ -f dist/fn.cjs ]] || npm run build >/dev/null
export KUBECONFIG=${KUBECONFIG:-${FN_TESTENV_DIR:-/tmp/fn-testenv}/kubeconfig}
[[ -f ${FN_TESTENV_DIR:-/tmp/fn-testenv}/docker.env ]] && { set -a; . "${FN_TESTENV_DIR:-/tmp/fn-testenv}/docker.env"; set +a; }
rt=()
if [[ $(id -u) == 0 && -z ${FN_BENCH_NO_RT:-} ]] && command -v chrt >/dev/null; then
  rt=(chrt -f 10)
  export FN_BENCH_NOTE="${FN_BENCH_NOTE:-}Measured at real-time priority (chrt -f 10; the API server is not)."
fi
out=$(mktemp)
"${rt[@]}" npx tsx bench/cli/bench.ts "$out"
node bench/update-results.mjs cli "$out"
rm -f "$out"
