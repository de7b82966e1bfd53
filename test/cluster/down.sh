#!/usr/bin/env bash
# Stops the local Kubernetes + Knative control plane started by test/cluster/up.sh.
# Idempotent: stops every process group recorded in $FN_TESTENV_DIR/pids (apiserver clients,
# then kube-apiserver, then etcd; SIGTERM, then SIGKILL after a grace period), removes the
# etcd data on tmpfs, the kubeconfig and env files. Logs of the last run and the PKI (reused
# by the next up.sh) stay in $FN_TESTENV_DIR.
set -euo pipefail

STATE=${FN_TESTENV_DIR:-/tmp/fn-testenv}
PIDS=$STATE/pids

log() { printf '[fn-testenv %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[[ -d $STATE ]] || { log "nothing to stop ($STATE does not exist)"; exit 0; }
exec 8>"$STATE/.down.lock"
flock 8

# Process groups still having a live member.
group_alive() { kill -0 -- "-$1" 2>/dev/null; }

# pid of a recorded component if its process group is still ours and alive.
recorded_group() {
  local f=$PIDS/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] && group_alive "$pid" || return 1
  # Each component was started with setsid: its pid is its session and process-group id.
  # Guard against pid reuse: the leader, if it still exists, must still lead its session.
  if [[ -e /proc/$pid ]] && [[ $(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ') != "$pid" ]]; then return 1; fi
  echo "$pid"
}

# stop GRACE_SECONDS NAME...: SIGTERM the groups together, SIGKILL what is left after the grace.
stop() {
  local grace=$1 name pid i left; shift
  local pids=()
  for name in "$@"; do
    if pid=$(recorded_group "$name"); then
      log "stopping $name (process group $pid)"
      kill -TERM -- "-$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for ((i = 0; i < grace * 10; i++)); do
    left=0
    for pid in "${pids[@]}"; do group_alive "$pid" && left=1; done
    ((left)) || break
    sleep 0.1
  done
  # What is left gets SIGKILL all at once, then we wait for all of it (not one group after another).
  local killed=()
  for pid in "${pids[@]}"; do
    if group_alive "$pid"; then
      log "process group $pid still running after ${grace}s; killing"
      kill -KILL -- "-$pid" 2>/dev/null || true
      killed+=("$pid")
    fi
  done
  for ((i = 0; i < 50; i++)); do
    left=0
    for pid in "${killed[@]}"; do group_alive "$pid" && left=1; done
    ((left)) || break
    sleep 0.1
  done
  for name in "$@"; do rm -f "$PIDS/$name.pid"; done
}

# Clients of the apiserver first, then the apiserver, then etcd. Short grace periods: nothing
# here holds state worth a graceful stop (etcd's data is deleted below), and the Knative webhook
# and kube-apiserver drain connections on SIGTERM for longer than a test run wants to wait.
stop 2 data-plane data-plane-stubs probe-event-sink mt-broker-controller eventing-controller imc-controller eventing-webhook \
  knative-controller knative-webhook kube-controller-manager
stop 3 kube-apiserver
stop 3 etcd
# Anything else recorded there (e.g. from a newer up.sh).
for f in "$PIDS"/*.pid; do [[ -e $f ]] && stop 5 "$(basename "$f" .pid)"; done

# This instance's pod containers (data-plane/node.ts labels them with the state directory; other
# instances' containers, under another FN_TESTENV_DIR, are left alone).
if command -v docker >/dev/null && ids=$(timeout 20 docker ps -aq --filter "label=fn-testenv.instance=$STATE" 2>/dev/null) && [[ -n $ids ]]; then
  log "removing $(echo "$ids" | wc -l) pod container(s)"
  timeout 60 docker rm -f $ids >/dev/null 2>&1 || true
fi

if [[ -f $STATE/etcd-data-dir ]]; then
  d=$(cat "$STATE/etcd-data-dir")
  case $d in /dev/shm/* | /run/* | /tmp/*) rm -rf "$d" ;; *) log "not removing unexpected etcd data dir $d" ;; esac
  rm -f "$STATE/etcd-data-dir"
fi
rm -rf "$PIDS" "$STATE/kubeconfig" "$STATE"/kubeconfig-* "$STATE/env" "$STATE/probe-ksvc.yaml" "$STATE/probe-events.yaml" "$STATE/probe-event.json" "$STATE/host-images.json"
log "stopped (logs kept in $STATE/logs)"
