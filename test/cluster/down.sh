#!/usr/bin/env bash
# Stops the local Kubernetes + Knative control plane started by test/cluster/up.sh.
# Idempotent: stops every process group recorded in $FN_TESTENV_DIR/pids (reverse start
# order, SIGTERM then SIGKILL after 5s), removes the etcd data on tmpfs, the PKI,
# kubeconfig and env files. Logs of the last run stay in $FN_TESTENV_DIR/logs.
set -euo pipefail

STATE=${FN_TESTENV_DIR:-/tmp/fn-testenv}
PIDS=$STATE/pids
COMPONENTS=(data-plane-stubs knative-controller knative-webhook kube-controller-manager kube-apiserver etcd)

log() { printf '[fn-testenv %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

[[ -d $STATE ]] || { log "nothing to stop ($STATE does not exist)"; exit 0; }
exec 8>"$STATE/.down.lock"
flock 8

# Process groups still having a live member.
group_alive() { pgrep -g "$1" >/dev/null 2>&1; }

stop() {
  local name=$1 f=$PIDS/$1.pid pid
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  # Each component was started with setsid, so its pid is also its process-group id.
  # Only signal the group if that pid still is the session leader we started (pid reuse).
  if [[ $pid =~ ^[0-9]+$ ]] && group_alive "$pid" && [[ $(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ') == "$pid" || ! -e /proc/$pid ]]; then
    log "stopping $name (process group $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do group_alive "$pid" || break; sleep 0.1; done
    if group_alive "$pid"; then
      log "$name did not stop after 5s; killing"
      kill -KILL -- "-$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do group_alive "$pid" || break; sleep 0.1; done
    fi
  fi
  rm -f "$f"
}

for c in "${COMPONENTS[@]}"; do stop "$c"; done
# Anything else recorded there (e.g. from a newer up.sh).
for f in "$PIDS"/*.pid; do [[ -e $f ]] && stop "$(basename "$f" .pid)"; done

if [[ -f $STATE/etcd-data-dir ]]; then
  d=$(cat "$STATE/etcd-data-dir")
  case $d in /dev/shm/* | /run/* | /tmp/*) rm -rf "$d" ;; *) log "not removing unexpected etcd data dir $d" ;; esac
  rm -f "$STATE/etcd-data-dir"
fi
rm -rf "$STATE/pki" "$PIDS" "$STATE/kubeconfig" "$STATE/env" "$STATE/probe-ksvc.yaml"
log "stopped (logs kept in $STATE/logs)"
