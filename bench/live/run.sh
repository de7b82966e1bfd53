#!/usr/bin/env bash
# Deployed functions, measured on the embedded Knative's real data plane (test/cluster/):
#  1. source → first 200 with the change at the function's URL, after a one-line change of a node
#     function: `fn deploy` vs the same by hand (`docker build` of fn's own Dockerfile, `docker push`,
#     `kubectl apply` of a Knative Service pinned by digest, `kubectl wait`), alternating, same run;
#  2. one request to the deployed function: `fn invoke --target remote` vs `curl` with the Host
#     header to the ingress (fn's own overhead: start-up, finding the URL and the ingress).
# Usage: bash bench/live/run.sh   (after npm run build; starts nothing: needs test/env/docker-up.sh
# and test/cluster/up.sh running). Rounds: FN_BENCH_ROUNDS (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export FN_TESTENV_DIR=${FN_TESTENV_DIR:-/tmp/fn-testenv}
[[ -f $FN_TESTENV_DIR/env && -f $FN_TESTENV_DIR/docker.env ]] || { echo "start test/env/docker-up.sh and test/cluster/up.sh first" >&2; exit 1; }
set -a; . "$FN_TESTENV_DIR/env"; . "$FN_TESTENV_DIR/docker.env"; set +a
rounds=${FN_BENCH_ROUNDS:-5}
kubectl() { "$HOME/.cache/fn-testenv/k8s-v1.32.2-serving-v0.45.1-eventing-v0.45.1/bin/kubectl" "$@"; }
fn() { node "$repo/bin/run.js" "$@"; }
now() { date +%s%N; }
work=$(mktemp -d)
ns=fn-bench-live-$$
trap 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1; rm -rf "$work"' EXIT
kubectl create namespace "$ns" >/dev/null

# Two copies of the same node function: one deployed by fn, one by hand.
for who in byfn byhand; do
  fn init "$work/$who" --runtime node --name "$who" >/dev/null
  printf 'registry: %s/bench\nbuild: {baseImage: %s, builderImage: %s}\n' "$FN_TEST_REGISTRY" "$FN_TEST_BASE_NODE" "$FN_TEST_BASE_NODE" >>"$work/$who/fn.yaml"
done
fn dockerfile --path "$work/byhand" >/dev/null # the by-hand build uses fn's own Dockerfile, as a user would own it
sed -i 's/^ARG TEMPLATE=.*/ARG TEMPLATE=http/' "$work/byhand/Dockerfile"

# first 200 whose body has MARKER at HOST, through the ingress (bounded: 120 s)
await_answer() {
  local host=$1 marker=$2 deadline=$((SECONDS + 120))
  until curl -s --max-time 2 -H "Host: $host" "http://$FN_TESTENV_INGRESS/" | grep -q "$marker"; do
    ((SECONDS < deadline)) || { echo "no answer with $marker from $host" >&2; return 1; }
    sleep 0.05
  done
}
change() { sed -i -E "s/Hello ([a-z0-9]+ )?\\\$\\{name\\}/Hello $2 \${name}/" "$1/index.js"; }

by_fn() {
  fn deploy --path "$work/byfn" -n "$ns" >/dev/null 2>&1
  await_answer "byfn.$ns.$FN_TESTENV_DOMAIN" "Hello $1 "
}
by_hand() {
  local image=$FN_TEST_REGISTRY/bench/byhand:latest ref
  docker build -q -t "$image" "$work/byhand" >/dev/null
  docker push -q "$image" >/dev/null
  ref=$(docker image inspect --format '{{index .RepoDigests 0}}' "$image")
  kubectl apply -f - >/dev/null <<Y
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: byhand, namespace: $ns}
spec:
  template:
    spec:
      containers:
      - image: $ref
        readinessProbe: {httpGet: {path: /health/readiness}}
Y
  kubectl wait --for=condition=Ready "ksvc/byhand" -n "$ns" --timeout=120s >/dev/null
  await_answer "byhand.$ns.$FN_TESTENV_DOMAIN" "Hello $1 "
}

# Warm-up: first deploy of each (base layers, npm installs), not measured.
change "$work/byfn" w0; change "$work/byhand" w0
by_fn w0; by_hand w0
fn_ms=() hand_ms=()
for i in $(seq 1 "$rounds"); do
  change "$work/byfn" "r$i"; t0=$(now); by_fn "r$i"; fn_ms+=($((($(now) - t0) / 1000000)))
  change "$work/byhand" "r$i"; t0=$(now); by_hand "r$i"; hand_ms+=($((($(now) - t0) / 1000000)))
done

# One request: fn invoke --target remote vs curl with the Host header.
inv_ms=() curl_ms=()
for i in $(seq 1 15); do
  t0=$(now); fn invoke --name byfn -n "$ns" --target remote >/dev/null; inv_ms+=($((($(now) - t0) / 1000000)))
  t0=$(now); curl -sf -H "Host: byfn.$ns.$FN_TESTENV_DOMAIN" "http://$FN_TESTENV_INGRESS/" >/dev/null; curl_ms+=($((($(now) - t0) / 1000000)))
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mf=$(median "${fn_ms[@]}") mh=$(median "${hand_ms[@]}") mi=$(median "${inv_ms[@]}") mc=$(median "${curl_ms[@]}")
section=$(mktemp)
{
  echo '## Deployed functions (the real data plane)'
  echo
  echo "Command: \`bash bench/live/run.sh\` ($rounds rounds alternating, after one warm-up deploy each; invoke 15 alternating)."
  echo "Machine: $(nproc) cores, Node $(node --version), load average $(cut -d' ' -f1 /proc/loadavg) at the end, $(date -u +%F). Function: the node http template, a one-line change each round; time = start of the command to the first answer carrying the change through the ingress."
  echo
  echo '| what | median ms | samples (ms) | ratio |'
  echo '|---|---|---|---|'
  echo "| fn deploy → first 200 | $mf | ${fn_ms[*]} | $(awk -v a="$mf" -v b="$mh" 'BEGIN {printf "%.2f× by hand", a / b}') |"
  echo "| by hand: docker build + push + kubectl apply + kubectl wait → first 200 | $mh | ${hand_ms[*]} | 1.00 |"
  echo "| fn invoke --target remote | $mi | ${inv_ms[*]} | $(awk -v a="$mi" -v b="$mc" 'BEGIN {printf "%.2f× curl", a / b}') |"
  echo "| curl -H Host: … (to the ingress) | $mc | ${curl_ms[*]} | 1.00 |"
} >"$section"
node bench/update-results.mjs live "$section"
cat "$section"
rm -f "$section"
