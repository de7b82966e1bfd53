#!/usr/bin/env bash
# The main job, end to end on this machine: create a function, run it locally, invoke it.
# Usage: bash scripts/demo.sh [runtime]   (node by default; typescript, python, go also work)
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=${1:-node}
fn() { node "$PWD/bin/run.js" "$@"; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT

fn init "$work/hello" --runtime "$runtime" --template http
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fn run --path "$work/hello" --port "$port" & pid=$!
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$port/health/readiness" >/dev/null 2>&1 && break; sleep 0.1; done
echo "--- fn invoke"
fn invoke --target "http://127.0.0.1:$port" --data '{"name":"fn"}'
