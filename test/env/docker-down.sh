#!/usr/bin/env bash
# Stops what test/env/docker-up.sh started: the two registries and the dockerd it started (an
# engine that was already running is left alone). Images, the registries' storage and the image
# cache stay, so the next `up` is fast. Removes containers the tests left behind (label dev.fn.test).
set -uo pipefail

STATE=${FN_TESTENV_DIR:-/tmp/fn-testenv}
D=$STATE/docker
SOCK=${FN_TEST_DOCKER_SOCK:-/var/run/docker.sock}

log() { printf '[docker-down %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Stop a process by pid file, TERM then KILL after `wait` seconds.
stop_pid() { # pidfile name wait
  local pidfile=$1 name=$2 wait=${3:-10} pid
  [[ -s $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name ($pid)"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 $((wait * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "$name did not stop; killing it"; kill -KILL "$pid" 2>/dev/null; }
  fi
  rm -f "$pidfile"
}

if [[ -S $SOCK ]] && command -v docker >/dev/null; then
  ids=$(DOCKER_HOST=unix://$SOCK docker ps -aq --filter label=dev.fn.test 2>/dev/null || true)
  [[ -n $ids ]] && DOCKER_HOST=unix://$SOCK docker rm -f $ids >/dev/null 2>&1
fi

stop_pid "$D/registry-open.pid" "registry :5000" 5
stop_pid "$D/registry-secure.pid" "registry :5443" 5
# dockerd stops the containerd it started itself.
stop_pid "$D/dockerd.pid" dockerd 30
rm -f "$STATE/docker.env"
exit 0
