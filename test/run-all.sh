#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, starts the real Docker engine, the
# registries and the local Knative control plane (reused when already up), builds, then runs
# unit, integration and e2e tests (jest) and each runtime's own tests in its language.
# Set FN_TEST_STOP=1 (CI does) to stop the Docker engine, registries and control plane afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."
export FN_TESTENV_DIR=${FN_TESTENV_DIR:-/tmp/fn-testenv}

bash scripts/setup.sh || exit 1
if [ "${FN_TEST_STOP:-}" = 1 ]; then
  trap 'bash test/cluster/down.sh >/dev/null 2>&1; bash test/env/docker-down.sh >/dev/null 2>&1' EXIT
fi

# The Docker side and the control plane are independent: start them side by side (a cold control
# plane build takes ~30 minutes on 2 cores, a cold base-image build several).
mkdir -p "$FN_TESTENV_DIR"
bash test/env/docker-up.sh > "$FN_TESTENV_DIR/docker-up.log" 2>&1 & docker_pid=$!
bash test/cluster/up.sh > "$FN_TESTENV_DIR/cluster-up.log" 2>&1 & cluster_pid=$!
wait $docker_pid || { echo "docker-up failed:"; tail -40 "$FN_TESTENV_DIR/docker-up.log"; exit 1; }
wait $cluster_pid || { echo "cluster up failed:"; tail -40 "$FN_TESTENV_DIR/cluster-up.log"; exit 1; }
set -a
. "$FN_TESTENV_DIR/env"
. "$FN_TESTENV_DIR/docker.env"
set +a

status=0
results=$(mktemp)
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$results" "$@" || status=1
bash runtimes/test-all.sh || status=1

# A closing line any CI reader understands, whatever the runner.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$results" || status=1
exit $status
