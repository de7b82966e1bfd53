#!/usr/bin/env bash
# Deploy benchmarks: API requests per command, and `fn revisions` with 500 revisions.
# Needs the local control plane (test/cluster/up.sh) and `npm run build`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export KUBECONFIG=${KUBECONFIG:-${FN_TESTENV_DIR:-/tmp/fn-testenv}/kubeconfig}
set -a; . "${FN_TESTENV_DIR:-/tmp/fn-testenv}/docker.env"; set +a  # the test registry and base images for real images
[[ -f $KUBECONFIG ]] || { echo "no kubeconfig at $KUBECONFIG: start the control plane with test/cluster/up.sh" >&2; exit 1; }
[[ -f dist/fn.cjs ]] || npm run build >/dev/null
out=$(mktemp)
npx tsx bench/deploy/bench.ts "$out"
node bench/update-results.mjs deploy "$out"
rm -f "$out"
