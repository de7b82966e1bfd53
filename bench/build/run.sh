#!/usr/bin/env bash
# fn build benchmarks: rebuild after a one-line change vs raw `docker build`, bytes added per runtime,
# a second push of an unchanged image. Starts the Docker test environment if needed, then writes the
# "Build" section of bench/RESULTS.md. BENCH_ROUNDS (default 5), BENCH_RUNTIMES (default all four).
set -euo pipefail
cd "$(dirname "$0")/../.."
STATE=${FN_TESTENV_DIR:-/tmp/fn-testenv}
bash test/env/docker-up.sh >&2
set -a
. "$STATE/docker.env"
set +a
[ -f dist/fn.cjs ] || npm run build >&2
out=$(mktemp)
npx tsx bench/build/bench.mjs "$out"  # tsx: it reads the build inputs with src/core itself
node bench/update-results.mjs build "$out"
rm -f "$out"
