#!/usr/bin/env bash
# fn and kn side by side on the local control plane: builds kn once (bench/kn/build-kn.sh, cached by
# version), then bench/kn/bench.ts; writes its section of bench/RESULTS.md.
# Needs the local control plane (test/cluster/up.sh) and `npm run build`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export KUBECONFIG=${KUBECONFIG:-${FN_TESTENV_DIR:-/tmp/fn-testenv}/kubeconfig}
set -a; . "${FN_TESTENV_DIR:-/tmp/fn-testenv}/docker.env"; set +a  # the test registry and base images
[[ -f $KUBECONFIG ]] || { echo "no kubeconfig at $KUBECONFIG: start the control plane with test/cluster/up.sh" >&2; exit 1; }
[[ -f dist/fn.cjs ]] || npm run build >/dev/null
KN=$(bash bench/kn/build-kn.sh)
export KN
out=$(mktemp)
npx tsx bench/kn/bench.ts "$out"
node bench/update-results.mjs kn "$out"
rm -f "$out"
