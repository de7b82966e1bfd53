#!/usr/bin/env bash
# The main job, end to end: init → build → push → deploy → the printed URL answers → v2 with a tag
# and no traffic → 90/10 canary (counting who answers) → rollback → delete.
#
#   bash scripts/demo.sh [runtime]        node by default; typescript, python, go work too
#
# With KUBECONFIG set and a registry given (FN_REGISTRY=registry.example.com/team), it uses your
# cluster and registry (FN_INGRESS=HOST[:PORT] when your functions' domain does not resolve).
# Otherwise it uses the embedded local Knative (test/cluster/, with the Docker engine and registry of
# test/env/): the first start builds Kubernetes and Knative from source, about 10-30 minutes on 2
# cores, cached afterwards (a warm start takes about 10 s). What the demo starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
runtime=${1:-node}
name=hello
fn() { node "$repo/bin/run.js" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

work=$(mktemp -d)
started_cluster=0 started_docker=0 ns= demo_ns=0
kubectl() { "$HOME/.cache/fn-testenv/k8s-v1.32.2-serving-v0.45.1-eventing-v0.45.1/bin/kubectl" "$@"; }
cleanup() {
  set +e
  [[ -n $ns ]] && fn delete "$name" -n "$ns" --yes >/dev/null 2>&1
  ((demo_ns)) && ! ((started_cluster)) && kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1
  if ((started_cluster)); then bash "$repo/test/cluster/down.sh" >/dev/null 2>&1; fi
  if ((started_docker)); then bash "$repo/test/env/docker-down.sh" >/dev/null 2>&1; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

base_images=
if [[ -n ${KUBECONFIG:-} ]]; then
  [[ -n ${FN_REGISTRY:-} ]] || { echo "demo: with KUBECONFIG set, say where to push: FN_REGISTRY=registry.example.com/team" >&2; exit 2; }
  ns=${FN_NAMESPACE:-default}
  ns_flag=(-n "$ns")
else
  export FN_TESTENV_DIR=${FN_TESTENV_DIR:-/tmp/fn-testenv}
  # Reuse what is already running (a developer's or the test suite's); start and later stop the rest.
  [[ -f $FN_TESTENV_DIR/docker.env ]] && bash test/env/docker-up.sh >/dev/null 2>&1 || { say "starting the local Docker engine and registry (test/env/docker-up.sh)"; started_docker=1; bash test/env/docker-up.sh >/dev/null; }
  if [[ -f $FN_TESTENV_DIR/env ]] && bash test/cluster/up.sh >/dev/null 2>"$work/up.log"; then :; else
    say "starting the embedded Knative (test/cluster/up.sh; the first start builds it: 10-30 minutes)"
    started_cluster=1
    bash test/cluster/up.sh >/dev/null
  fi
  set -a
  . "$FN_TESTENV_DIR/env"
  . "$FN_TESTENV_DIR/docker.env"
  set +a
  export FN_REGISTRY=$FN_TEST_REGISTRY/demo FN_INGRESS=$FN_TESTENV_INGRESS
  # No public registry is reachable here: build on the locally made base images.
  case $runtime in
    node | typescript) base_images="build: {baseImage: $FN_TEST_BASE_NODE, builderImage: $FN_TEST_BASE_NODE}" ;;
    python) base_images="build: {baseImage: $FN_TEST_BASE_PYTHON, builderImage: $FN_TEST_BASE_PYTHON}" ;;
    go) base_images="build: {baseImage: $FN_TEST_BASE_GO, builderImage: $FN_TEST_BUILDER_GO}" ;;
  esac
  ns=fn-demo-$$
  kubectl create namespace "$ns" >/dev/null
  demo_ns=1
  ns_flag=(-n "$ns")
fi

dir=$work/$name
say "fn init $name --runtime $runtime"
fn init "$dir" --runtime "$runtime" --template http
cd "$dir"
[[ -n $base_images ]] && echo "$base_images" >>fn.yaml

say "fn deploy --tag v1   (builds, pushes, applies, waits, prints the URL)"
fn deploy "${ns_flag[@]}" --tag v1

say "fn invoke --target remote   (the printed URL answers)"
fn invoke --target remote "${ns_flag[@]}" --data '{"name":"demo"}'

say "v2: a one-line change, deployed with its own tag and no traffic"
for handler in index.js index.ts func.py handle.go; do [[ -f $handler ]] && break; done
sed -i 's/Hello /Hi /' "$handler"
grep -q 'Hi ' "$handler" || { echo "demo: could not make the v2 change in $handler" >&2; exit 1; }
fn deploy "${ns_flag[@]}" --tag v2 --no-traffic
fn invoke --target remote --tag v2 "${ns_flag[@]}" --data '{"name":"demo"}'

say "fn traffic --split v1=90,v2=10, then 100 requests: who answers?"
fn traffic "${ns_flag[@]}" --split v1=90,v2=10
url=$(fn describe "${ns_flag[@]}" --json | jq -r .url)
# Through the ingress with the Host header when the function's domain does not resolve (FN_INGRESS).
ask() { if [[ -n ${FN_INGRESS:-} ]]; then curl -s -H "Host: ${url#http://}" "http://$FN_INGRESS/"; else curl -s "$url/"; fi; }
for _ in $(seq 1 100); do ask | grep -q '"Hi ' && echo 'v2 (Hi)' || echo 'v1 (Hello)'; done |
  sort | uniq -c | awk '{printf "  %s %s answered %d of 100\n", $2, $3, $1}'

say "fn rollback   (everything back to the revision that served before)"
fn rollback "${ns_flag[@]}"
fn invoke --target remote "${ns_flag[@]}" --data '{"name":"demo"}'
fn revisions "${ns_flag[@]}"
say "done: fn delete $name (and what the demo started is stopped)"
