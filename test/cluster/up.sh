#!/usr/bin/env bash
# Starts a local Kubernetes + Knative Serving and Eventing cluster for fn's e2e tests (see README.md).
# Idempotent: when it is already running and healthy it only prints the env (about 1s).
# stdout: `export KUBECONFIG=...` lines (also in $FN_TESTENV_DIR/env); progress on stderr.
# Stop with test/cluster/down.sh.
#
# Real: etcd, kube-apiserver, kube-controller-manager (garbagecollector, namespace, deployment,
# replicaset), Knative Serving CRDs/ConfigMaps, webhook and controller, Knative Eventing
# CRDs/ConfigMaps, webhooks, controller, mt-channel-broker and in-memory channel controllers, and a
# data plane (data-plane/): a Docker-backed node that runs every pod's containers through the real
# Docker engine (Eventing's data-plane pods as host processes from the build cache), Endpoints for
# Services, and an ingress that follows KIngress objects and routes to Services (Eventing's
# HTTP_PROXY). Stubbed (data-plane/stubs.ts): the autoscaler (PodAutoscaler status and revision scale).
#
# What we found while building it (differences from shared/docs/local-control-plane.md):
# - Versions: Kubernetes v1.32.2, Knative Serving v0.45.1 (Knative 1.18). The module proxy here
#   serves neither knative.dev/serving v0.45.2 (403) nor several k8s.io staging modules at
#   v0.32.13 (cri-client, csi-translation-lib, endpointslice, kube-controller-manager,
#   kube-scheduler: 403); all of v1.32.2/v0.32.2 is there (serving itself pins v0.32.2).
# - Knative is built from a generated wrapper module too, not with `go install ...@v`: the
#   checksum database has no entry for the knative.dev/caching pseudo-version serving pins
#   (404), so `go install` fails; serving's own go.sum (copied into the wrapper) verifies it.
# - Go 1.26 builds both as is (no toolchain line needed); the godebug lines of k8s's go.mod are
#   copied into the wrapper. Cold build measured: Knative controller+webhook 5m10s, then
#   kube-apiserver+kube-controller-manager+kubectl 24m13s (2 cores, load ~9 from other work).
# - etcd-server 3.4.23 from Debian works with kube-apiserver 1.32. In containers without
#   systemd the package does not start its own etcd; we still stop one if it runs, and ours
#   uses 127.0.0.1:12379/12380 with data on /dev/shm.
# - The webhook configurations need `port:` set explicitly (the kube-apiserver dials the
#   ExternalName target on the Service port of the webhook clientConfig, default 443); we use
#   18443 instead of 8443. The health server port 8080 is hard-coded in knative.dev/pkg (every
#   sharedmain process: Serving's controller, all of Eventing's): build_knative patches it to
#   come from FN_TESTENV_HEALTH_PORT, so several instances fit on one machine.
# - Eventing (v0.45.1; v0.45.2-4 are on the proxy but not in its checksum database): the IMC
#   validation webhook refuses subscriber changes by anyone but
#   system:serviceaccount:knative-eventing:eventing-controller, so Eventing's controllers
#   authenticate as their service accounts (client certificates, group system:masters). A Trigger
#   on a broker that does not exist gets no status at all (the mt-channel-broker reconciler skips
#   Triggers whose broker it does not know); BrokerDoesNotExist appears when the broker is deleted.
#   SinkBindings select namespaces by inclusion (label bindings.knative.dev/include=true), so
#   Serving's Deployments do not pass through the Eventing webhook.
#   The data-plane pods' Endpoints carry 192.0.2.x placeholders (127.x is refused).
# - `--disable-ha` does not exist in these binaries; leader election stays on (one replica, so
#   it is immediate) with short leases in config-leader-election.
# - Service ClusterIPs come from 127.96.0.0/16 (loopback: nothing can leak off the machine).
# - Needed stubs, found by trying: PodAutoscaler and KIngress status (as planned) and, to carry
#   a failure reason into the Revision, revision Deployment status. Knative's PropagateAutoscaler
#   Status alone would report ProgressDeadlineExceeded, not the requested reason. No
#   ServerlessService (only the autoscaler creates them) or Certificate (auto-TLS off) is needed.
# - kube-controller-manager starts after the Knative CRDs exist, so that its garbage collector
#   knows their kinds from its first discovery (else it logs "unable to get REST mapping" and
#   cascades for Revision-owned objects wait for its 30s rediscovery).
# - The data-plane stubs start right after the apiserver: loading Node + client-node takes
#   seconds on 2 busy cores, which then overlaps the Knative applies.
# - Revision digest resolution logs "Failed to create resolver transport .../ca.crt" (no
#   in-cluster CA file); Knative falls back to the default transport. Digest-pinned images
#   are never resolved.
set -euo pipefail

K8S_VERSION=${FN_TESTENV_K8S_VERSION:-v1.32.2}
SERVING_VERSION=${FN_TESTENV_SERVING_VERSION:-v0.45.1}
EVENTING_VERSION=${FN_TESTENV_EVENTING_VERSION:-v0.45.1}
CACHE_ROOT=${FN_TESTENV_CACHE:-$HOME/.cache/fn-testenv}
CACHE=$CACHE_ROOT/k8s-$K8S_VERSION-serving-$SERVING_VERSION-eventing-$EVENTING_VERSION
BIN=$CACHE/bin
MANIFESTS=$CACHE/manifests
STATE=${FN_TESTENV_DIR:-/tmp/fn-testenv}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
# Eventing binaries built (knative.dev/eventing/cmd/...; each lands in bin/eventing/<last part>).
EVENTING_CMDS=(controller webhook mtchannel_broker in_memory/channel_controller in_memory/channel_dispatcher
  broker/ingress broker/filter mtping)

log() { printf '[fn-testenv %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- packages
ensure_packages() {
  local missing=()
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v jq >/dev/null || missing+=(jq)
  command -v curl >/dev/null || missing+=(curl)
  command -v setsid >/dev/null && command -v flock >/dev/null || missing+=(util-linux)
  command -v ss >/dev/null || missing+=(iproute2)
  command -v pgrep >/dev/null || missing+=(procps)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    [[ $(id -u) == 0 ]] || die "need root to apt-get install ${missing[*]}"
    # Do not let the package start its own etcd (policy-rc.d 101 = "action forbidden").
    local prc=/usr/sbin/policy-rc.d created_prc=0
    if [[ ! -e $prc ]]; then printf '#!/bin/sh\nexit 101\n' >$prc; chmod +x $prc; created_prc=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    if ((created_prc)); then rm -f $prc; fi
  fi
  # If the Debian package started etcd as a service anyway, stop and disable it
  # (ours runs on other ports, but a stray etcd wastes a core on a 2-core box).
  if command -v systemctl >/dev/null && systemctl is-active --quiet etcd 2>/dev/null; then
    log "stopping the Debian etcd service"
    systemctl disable --now etcd >/dev/null 2>&1 || true
  elif [[ -x /etc/init.d/etcd ]] && /etc/init.d/etcd status >/dev/null 2>&1; then
    /etc/init.d/etcd stop >/dev/null 2>&1 || true
  fi
  [[ -x $GO ]] || die "Go toolchain not found (set GO=/path/to/go)"
}

# ---------------------------------------------------------------- build
# Kubernetes: k8s.io/kubernetes replaces every staging module with ./staging/...,
# so it cannot be `go install`ed. We generate a wrapper module that requires it
# and replaces each staging module with its published v0.<minor>.<patch>.
build_k8s() {
  local w=$CACHE/src/k8s-wrapper out=$CACHE/bin.tmp
  mkdir -p "$w" "$out"
  local kmod staging_ver
  kmod=$("$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r '.GoMod // empty')
  [[ -f $kmod ]] || die "could not download k8s.io/kubernetes@$K8S_VERSION"
  staging_ver="v0.${K8S_VERSION#v1.}"
  {
    echo "// Generated by fn test/cluster/up.sh: builds kube-apiserver, kube-controller-manager, kubectl."
    echo "module fn-testenv/k8s-wrapper"
    echo
    grep -E '^go [0-9]' "$kmod"
    grep -E '^godebug ' "$kmod" || true
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$kmod" |
      awk -v v="$staging_ver" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } >"$w/go.mod"
  log "k8s wrapper: $(grep -c ' => ' "$w/go.mod") staging replaces"
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1"
  ldflags+=" -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
  ldflags+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  (cd "$w" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -trimpath -ldflags "$ldflags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl)
}

# Knative Serving and Eventing: one wrapper module (they pin the same knative.dev/pkg and k8s
# v0.32.x), instead of `go install ...@version`, because the proxy's checksum database does not
# know some pseudo-versions they pin (knative.dev/caching; knative.dev/hack/schema and
# knative.dev/reconciler-test): their own go.sum files (copied in) verify them instead.
# Two modules are replaced by patched local copies, so that two instances can run on one machine:
# - knative.dev/pkg: the health-probe server of every sharedmain process (Serving's controller,
#   Eventing's controllers, webhook and adapters) listens on the constant 8080; the copy reads
#   FN_TESTENV_HEALTH_PORT (8080 when unset).
# - knative.dev/eventing: the IMC dispatcher's receivers listen on the constants 8080/8443; the
#   copy reads FN_TESTENV_IMC_HTTP_PORT / FN_TESTENV_IMC_HTTPS_PORT.
# Each patch is checked to have applied, so a version bump that moves the code fails the build.
knative_dir() { # module path -> dir in module cache (run inside the knative wrapper)
  (cd "$CACHE/src/knative-wrapper" && "$GO" mod download -json "$1" | jq -r '.Dir // empty')
}
module_dir() { # module@version -> dir in module cache, downloaded with the checksum database
  (cd /tmp && "$GO" mod download -json "$1" | jq -r '.Dir // empty')
}
# patch_go FILE FROM TO: replace one exact line, or fail.
patch_go() {
  local f=$1 from=$2 to=$3
  grep -qxF -- "$from" "$f" || die "patch: '$from' not found in $f"
  FROM=$from TO=$to perl -0pi -e 's/^\Q$ENV{FROM}\E$/$ENV{TO}/m' "$f"
  grep -qxF -- "$to" "$f" || die "patch: could not write '$to' into $f"
}
build_knative() {
  local w=$CACHE/src/knative-wrapper out=$CACHE/bin.tmp
  rm -rf "$w"; mkdir -p "$w/patched" "$out/eventing"
  local sdir edir pver epver pdir
  sdir=$(module_dir "knative.dev/serving@$SERVING_VERSION")
  [[ -d $sdir ]] || die "could not download knative.dev/serving@$SERVING_VERSION"
  edir=$(module_dir "knative.dev/eventing@$EVENTING_VERSION")
  [[ -d $edir ]] || die "could not download knative.dev/eventing@$EVENTING_VERSION"
  pver=$(awk '$1=="knative.dev/pkg"{print $2}' "$sdir/go.mod")
  epver=$(awk '$1=="knative.dev/pkg"{print $2}' "$edir/go.mod")
  [[ $pver == "$epver" ]] || die "serving $SERVING_VERSION pins knative.dev/pkg $pver, eventing $EVENTING_VERSION pins $epver: pick matching releases"
  pdir=$(module_dir "knative.dev/pkg@$pver")
  [[ -d $pdir ]] || die "could not download knative.dev/pkg@$pver"

  cp -r "$pdir" "$w/patched/pkg"
  cp -r "$edir" "$w/patched/eventing"
  chmod -R u+w "$w/patched"
  patch_go "$w/patched/pkg/injection/health_check.go" \
    'const HealthCheckDefaultPort = 8080' 'var HealthCheckDefaultPort = fnTestenvPort("FN_TESTENV_HEALTH_PORT", 8080)'
  local d=$w/patched/eventing/pkg/reconciler/inmemorychannel/dispatcher
  patch_go "$d/controller.go" $'\t\tPort:         httpPort,' $'\t\tPort:         fnTestenvPort("FN_TESTENV_IMC_HTTP_PORT", httpPort),'
  patch_go "$d/controller.go" $'\t\tPort:         httpsPort,' $'\t\tPort:         fnTestenvPort("FN_TESTENV_IMC_HTTPS_PORT", httpsPort),'
  local pkgname
  for pkgname in injection:"$w/patched/pkg/injection" dispatcher:"$d"; do
    cat >"${pkgname#*:}/zz_fn_testenv_port.go" <<GO
// Added by fn's test/cluster/up.sh: a listening port from the environment, so that two local
// test clusters can run on one machine.
package ${pkgname%%:*}

import (
	"os"
	"strconv"
)

func fnTestenvPort(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return fallback
}
GO
  done

  {
    echo "// Generated by fn test/cluster/up.sh: builds Knative Serving and Eventing."
    echo "module fn-testenv/knative-wrapper"
    echo
    grep -hE '^go [0-9]' "$sdir/go.mod" "$edir/go.mod" | sort -V | tail -1
    grep -hE '^godebug ' "$sdir/go.mod" "$edir/go.mod" | sort -u || true
    echo
    echo "require ("
    echo "	knative.dev/serving $SERVING_VERSION"
    echo "	knative.dev/eventing $EVENTING_VERSION"
    echo ")"
    echo
    echo "replace ("
    echo "	knative.dev/pkg => ./patched/pkg"
    echo "	knative.dev/eventing => ./patched/eventing"
    echo ")"
  } >"$w/go.mod"
  cat "$sdir/go.sum" "$edir/go.sum" | sort -u >"$w/go.sum"
  (cd "$w" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -trimpath -ldflags "-s -w" -o "$out/" \
    knative.dev/serving/cmd/controller knative.dev/serving/cmd/webhook)
  (cd "$w" && CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -trimpath -ldflags "-s -w" -o "$out/eventing/" \
    "${EVENTING_CMDS[@]/#/knative.dev/eventing/cmd/}")
  # Manifests: copy what we apply into the cache so warm starts need no module cache.
  local ndir cdir nver cver
  nver=$(awk '$1=="knative.dev/networking"{print $2}' "$sdir/go.mod")
  cver=$(awk '$1=="knative.dev/caching"{print $2}' "$sdir/go.mod")
  ndir=$(knative_dir "knative.dev/networking@$nver")
  cdir=$(knative_dir "knative.dev/caching@$cver")
  [[ -d $ndir && -d $cdir ]] || die "could not find networking/caching modules"
  rm -rf "$MANIFESTS.tmp"; mkdir -p "$MANIFESTS.tmp"/{crds,configmaps,webhooks}
  cp "$sdir/config/core/100-namespace.yaml" "$MANIFESTS.tmp/"
  cp "$sdir"/config/core/300-resources/*.yaml "$MANIFESTS.tmp/crds/"
  # Symlinks in serving's repo that the module zip leaves out:
  local f
  for f in certificate domain-claim ingress serverlessservice; do cp "$ndir/config/$f.yaml" "$MANIFESTS.tmp/crds/"; done
  cp "$cdir/config/image.yaml" "$MANIFESTS.tmp/crds/"
  cp "$sdir"/config/core/configmaps/*.yaml "$MANIFESTS.tmp/configmaps/"
  cp "$ndir/config/config-network.yaml" "$MANIFESTS.tmp/configmaps/network.yaml"
  cp "$sdir"/config/core/webhooks/*.yaml "$MANIFESTS.tmp/webhooks/"
  # Eventing: core (namespace, CRDs, ConfigMaps, webhooks), the in-memory channel and the
  # multi-tenant channel-based broker (their CRDs, ConfigMaps, webhooks, data-plane Deployments
  # and Services). The controllers' own Deployments and RBAC are not applied: up.sh runs the
  # controllers as host processes with an admin kubeconfig.
  local ev=$MANIFESTS.tmp/eventing
  mkdir -p "$ev"/{crds,configmaps,webhooks,data-plane}
  cp "$edir/config/core/100-namespace.yaml" "$ev/"
  cp "$edir"/config/core/resources/*.yaml "$edir"/config/channels/in-memory-channel/resources/*.yaml "$ev/crds/"
  cp "$edir"/config/core/configmaps/*.yaml "$ev/configmaps/"
  cp "$edir/config/channels/in-memory-channel/configmaps/event-dispatcher.yaml" "$ev/configmaps/imc-event-dispatcher.yaml"
  cp "$edir"/config/core/webhooks/*.yaml "$ev/webhooks/"
  for f in "$edir"/config/channels/in-memory-channel/webhooks/*.yaml; do cp "$f" "$ev/webhooks/imc-$(basename "$f")"; done
  cp "$edir/config/channels/in-memory-channel/deployments/dispatcher.yaml" "$edir/config/channels/in-memory-channel/deployments/dispatcher-service.yaml" \
    "$edir/config/brokers/mt-channel-broker/deployments/broker-ingress.yaml" "$edir/config/brokers/mt-channel-broker/deployments/broker-filter.yaml" \
    "$edir/config/core/deployments/pingsource-mt-adapter.yaml" "$ev/data-plane/"
  chmod -R u+w "$MANIFESTS.tmp"
  rm -rf "$MANIFESTS"; mv "$MANIFESTS.tmp" "$MANIFESTS"
}

ensure_binaries() {
  local want=(kube-apiserver kube-controller-manager kubectl controller webhook) c
  for c in "${EVENTING_CMDS[@]}"; do want+=("eventing/${c##*/}"); done
  local b ok=1
  for b in "${want[@]}"; do [[ -x $BIN/$b ]] || ok=0; done
  [[ -f $CACHE/.complete && -d $MANIFESTS ]] && ((ok)) && return 0
  rm -f "$CACHE/.complete"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.build.lock"
  log "waiting for build lock $CACHE/.build.lock"
  flock 9
  if [[ ! -f $CACHE/.complete ]]; then
    local t0=$SECONDS
    log "cold build into $CACHE (20-35 min on 2 cores); log: $CACHE/build.log"
    # A child bash, so that `set -e` holds inside the build steps (it is off under `||`).
    bash "${BASH_SOURCE[0]}" --build-steps >>"$CACHE/build.log" 2>&1 || die "build failed, see $CACHE/build.log"
    for b in "${want[@]}"; do [[ -x $CACHE/bin.tmp/$b ]] || die "missing $b after build"; done
    rm -rf "$BIN"; mv "$CACHE/bin.tmp" "$BIN"
    echo "built $(date -u +%FT%TZ) in $((SECONDS - t0))s with $("$GO" version)" >"$CACHE/.complete"
    log "cold build done in $((SECONDS - t0))s"
  fi
  exec 9>&-
}

# ---------------------------------------------------------------- runtime config
ETCD_PORT=${FN_TESTENV_ETCD_PORT:-12379}
ETCD_PEER_PORT=${FN_TESTENV_ETCD_PEER_PORT:-12380}
APISERVER_PORT=${FN_TESTENV_APISERVER_PORT:-16443}
WEBHOOK_PORT=${FN_TESTENV_WEBHOOK_PORT:-18443}
WEBHOOK_PROFILING_PORT=${FN_TESTENV_WEBHOOK_PROFILING_PORT:-18008}
CONTROLLER_PROFILING_PORT=${FN_TESTENV_CONTROLLER_PROFILING_PORT:-18009}
# knative.dev/pkg fixes it at 8080; our patched copy reads FN_TESTENV_HEALTH_PORT (see build_knative).
CONTROLLER_HEALTH_PORT=${FN_TESTENV_CONTROLLER_HEALTH_PORT:-18080}
# Knative Eventing's host processes: webhooks at BASE+0/+1, health servers at BASE+10.., profiling
# servers at BASE+20.. (in EVENTING_PROCS order). Its data-plane pods get free ports from the node.
EVENTING_PORT_BASE=${FN_TESTENV_EVENTING_PORT_BASE:-18100}
EVENTING_WEBHOOK_PORT=$((EVENTING_PORT_BASE + 0))
IMC_WEBHOOK_PORT=$((EVENTING_PORT_BASE + 1))
EVENTING_PROCS=(eventing-webhook imc-controller eventing-controller mt-broker-controller)
# Each one's service account (as in Eventing's Deployments): its client identity here.
declare -A EVENTING_SA=([eventing-webhook]=eventing-webhook [imc-controller]=imc-controller
  [eventing-controller]=eventing-controller [mt-broker-controller]=eventing-controller)
EVENTING_SERVICE_ACCOUNTS=(eventing-webhook imc-controller eventing-controller)
KUBELET_PORT=${FN_TESTENV_KUBELET_PORT:-}  # empty: 10250 when free, else a free one
INGRESS_IP=${FN_TESTENV_INGRESS_IP:-127.77.0.1}
INGRESS_PORT=${FN_TESTENV_INGRESS_PORT:-} # empty: 80 when free on INGRESS_IP, else a free one
SERVICE_CIDR=${FN_TESTENV_SERVICE_CIDR:-127.96.0.0/16}
DOMAIN=${FN_TESTENV_DOMAIN:-example.test}
QUEUE_IMAGE=fn-testenv.invalid/knative/queue-proxy:stub
ETCD_DATA=${FN_TESTENV_ETCD_DATA:-/dev/shm/fn-testenv-etcd-$(printf %s "$STATE" | md5sum | cut -c1-8)}
PKI=$STATE/pki
LOGS=$STATE/logs
PIDS=$STATE/pids
KUBECONFIG_FILE=$STATE/kubeconfig
REPO=$(cd "$HERE/../.." && pwd)
HOST_IMAGES=$STATE/host-images.json
# Start order; down.sh stops in reverse.
COMPONENTS=(etcd kube-apiserver kube-controller-manager knative-webhook knative-controller "${EVENTING_PROCS[@]}" data-plane)
eventing_port() { # eventing_port OFFSET NAME: the port at OFFSET + NAME's index in EVENTING_PROCS
  local i
  for i in "${!EVENTING_PROCS[@]}"; do
    if [[ ${EVENTING_PROCS[$i]} == "$2" ]]; then echo $((EVENTING_PORT_BASE + $1 + i)); return 0; fi
  done
  die "unknown Eventing process $2"
}
eventing_health_port() { eventing_port 10 "$1"; }
eventing_profiling_port() { eventing_port 20 "$1"; }

kubectl() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
api() { # api PATH [curl args...]: raw request as admin
  local path=$1; shift
  curl -sS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT$path" "$@"
}
alive() { local f=$PIDS/$1.pid; [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }

print_env() {
  cat "$STATE/env"
}

# wait_for DESCRIPTION TIMEOUT_S COMPONENT_FOR_LOGS CMD...
wait_for() {
  local what=$1 timeout=$2 comp=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $comp ]] && ! alive "$comp"; then
      log "$comp died while waiting for $what; last log lines:"; tail -n 30 "$LOGS/$comp.log" >&2 || true
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      [[ -n $comp ]] && { tail -n 30 "$LOGS/$comp.log" >&2 || true; }
      # WAIT_EXPLAIN: a command that shows why (e.g. the object's conditions).
      [[ -n ${WAIT_EXPLAIN:-} ]] && { eval "$WAIT_EXPLAIN" >&2 || true; }
      exit 1
    fi
    sleep 0.3
  done
}

healthy() {
  local c
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  [[ -f $STATE/env && -f $KUBECONFIG_FILE ]] || return 1
  [[ $(api /readyz 2>/dev/null) == ok ]] || return 1
  curl -sf --max-time 2 "http://127.0.0.1:$CONTROLLER_HEALTH_PORT/health" >/dev/null || return 1
  webhooks_have_cabundle || return 1
  eventing_healthy || return 1
  ingress_answers "$(sed -n 's/^export FN_TESTENV_INGRESS=//p' "$STATE/env")" || return 1
}

# The ingress answers (404 for an unknown host, with its own header).
ingress_answers() {
  [[ -n $1 ]] && curl -s --max-time 2 -o /dev/null -D - -H 'Host: fn-testenv-up.invalid' "http://$1/" | grep -qi '^x-fn-testenv-ingress: true'
}

webhooks_have_cabundle() {
  local n
  n=$( { api /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/webhook.serving.knative.dev
         api /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/validation.webhook.serving.knative.dev
         api /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/config.webhook.serving.knative.dev
       } 2>/dev/null | jq -s '[.[] | .webhooks[]? | select((.clientConfig.caBundle // "") != "")] | length')
  [[ $n == 3 ]]
}

# Eventing: every controller's health server answers, its webhooks carry a caBundle, and the
# data-plane Deployments the node runs are Available.
eventing_healthy() {
  local c
  for c in "${EVENTING_PROCS[@]}"; do
    curl -sf --max-time 2 "http://127.0.0.1:$(eventing_health_port "$c")/health" >/dev/null || return 1
  done
  eventing_webhooks_have_cabundle || return 1
  eventing_deployments_available
}
eventing_webhooks_have_cabundle() {
  local n
  n=$( { api /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/webhook.eventing.knative.dev
         api /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/validation.webhook.eventing.knative.dev
         api /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/inmemorychannel.eventing.knative.dev
         api /apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/validation.inmemorychannel.eventing.knative.dev
       } 2>/dev/null | jq -s '[.[] | .webhooks[]? | select((.clientConfig.caBundle // "") != "")] | length')
  [[ $n == 4 ]]
}
EVENTING_DEPLOYMENTS=(imc-dispatcher mt-broker-ingress mt-broker-filter)
eventing_deployments_available() {
  local d
  for d in "${EVENTING_DEPLOYMENTS[@]}"; do
    api "/apis/apps/v1/namespaces/knative-eventing/deployments/$d" 2>/dev/null |
      jq -e '.status.conditions[]? | select(.type == "Available" and .status == "True")' >/dev/null || return 1
  done
}

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# port_free_on IP PORT: nothing listens on IP:PORT, nor on a wildcard address at PORT.
port_free_on() { ! ss -Hltn "sport = :$2" 2>/dev/null | awk '{print $4}' | grep -qE "^($1|0\.0\.0\.0|\*|\[::\]):$2\$"; }
# A free port chosen by the kernel.
some_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start NAME CMD...: own session/process group, pid file, log file
start() {
  local name=$1; shift
  : >"$LOGS/$name.log"
  # 8>&- 9>&-: the daemons must not inherit (and so hold) up.sh's lock files.
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$PIDS/$name.pid"
}

# ---------------------------------------------------------------- pki
make_pki() {
  # Kept across down/up (saves seconds); remade when the service range (a SAN) changes.
  local marker="$SERVICE_CIDR kubelet-1 eventing-sa-1"
  [[ -f $PKI/.complete && $(cat "$PKI/.complete") == "$marker" ]] && return 0
  rm -rf "$PKI"; mkdir -p "$PKI"; cd "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=fn-testenv-ca" 2>/dev/null
  local first_svc_ip
  first_svc_ip=$(echo "$SERVICE_CIDR" | awk -F'[./]' '{print $1"."$2"."$3"."$4+1}')
  cat >apiserver.ext <<X
subjectAltName=IP:127.0.0.1,IP:$first_svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
X
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt \
    -days 3650 -extfile apiserver.ext 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
    -subj "/O=system:masters/CN=fn-testenv-admin" 2>/dev/null
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt \
    -days 3650 -extfile client.ext 2>/dev/null
  # Knative Eventing's controllers as their service accounts (Eventing checks who changes what, e.g.
  # only eventing-controller may change an InMemoryChannel's subscribers). Authorised as admins
  # (system:masters), as everything here; the service-account groups as a token would carry them.
  local sa
  for sa in "${EVENTING_SERVICE_ACCOUNTS[@]}"; do
    openssl req -newkey rsa:2048 -nodes -keyout "sa-$sa.key" -out "sa-$sa.csr" \
      -subj "/O=system:masters/O=system:serviceaccounts/O=system:serviceaccounts:knative-eventing/CN=system:serviceaccount:knative-eventing:$sa" 2>/dev/null
    openssl x509 -req -in "sa-$sa.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "sa-$sa.crt" \
      -days 3650 -extfile client.ext 2>/dev/null
  done
  # The node's kubelet endpoint (logs), verified by kube-apiserver against the CA.
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >kubelet.ext
  openssl req -newkey rsa:2048 -nodes -keyout kubelet.key -out kubelet.csr -subj "/CN=system:node:fn-testenv-node" 2>/dev/null
  openssl x509 -req -in kubelet.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out kubelet.crt \
    -days 3650 -extfile kubelet.ext 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  rm -f ./*.csr
  chmod 600 ./*.key
  echo "$marker" >.complete
  cd - >/dev/null
}

write_kubeconfig() { # write_kubeconfig [FILE CLIENT]: FILE for the client cert pki/CLIENT.crt (default: admin)
  local file=${1:-$KUBECONFIG_FILE} client=${2:-admin}
  local b64='base64 -w0'
  cat >"$file.tmp" <<X
apiVersion: v1
kind: Config
clusters:
- name: fn-testenv
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: fn-testenv-admin
  user:
    client-certificate-data: $($b64 <"$PKI/$client.crt")
    client-key-data: $($b64 <"$PKI/$client.key")
contexts:
- name: fn-testenv
  context:
    cluster: fn-testenv
    user: fn-testenv-admin
    namespace: default
current-context: fn-testenv
X
  chmod 600 "$file.tmp"; mv "$file.tmp" "$file"
}

# ---------------------------------------------------------------- knative objects
apply_knative() {
  kubectl apply -f "$MANIFESTS/100-namespace.yaml" -f "$MANIFESTS/crds/" >/dev/null
  kubectl wait --for condition=established --timeout=60s -f "$MANIFESTS/crds/" >/dev/null
  # ConfigMaps, the webhook-certs Secret (empty; the webhook fills it), the webhook Service and
  # the webhook configurations, adjusted for this environment, in one apply:
  # - config-deployment: a queue-proxy image is required; nothing ever pulls it.
  # - config-domain: $DOMAIN as the default domain.
  # - config-observability: no metrics/profiling servers (they would all want :9090/:8008).
  # - config-leader-election: short leases (one replica each; restarts re-acquire fast).
  # - config-autoscaler: initial-scale 0 allowed (bench/deploy makes hundreds of revisions that
  #   should not each start a pod).
  # - config-logging: the webhook logs every admission request at info; keep it to warnings.
  # - webhook configurations: port $WEBHOOK_PORT (kube-apiserver dials the ExternalName target
  #   on the clientConfig's service port, default 443).
  # - Service webhook of type ExternalName -> localhost: kube-apiserver resolves it to
  #   https://localhost:$WEBHOOK_PORT (no ClusterIP routing here) and still verifies TLS for
  #   webhook.knative-serving.svc, which the webhook's self-signed certificate covers.
  kubectl create --dry-run=client -o json -f "$MANIFESTS/configmaps/" -f "$MANIFESTS/webhooks/" |
    jq -s --arg queue "$QUEUE_IMAGE" --arg domain "$DOMAIN" --argjson port "$WEBHOOK_PORT" '
      def cm($name; f): if .kind == "ConfigMap" and .metadata.name == $name then .data = ((.data // {}) | f) else . end;
      [.[] | if .kind == "List" then .items[] else . end]
      | map(
          cm("config-deployment"; .["queue-sidecar-image"] = $queue)
          | cm("config-domain"; .[$domain] = "")
          | cm("config-observability"; . + {"metrics.backend-destination": "none",
              "metrics.request-metrics-backend-destination": "none", "profiling.enable": "false"})
          | cm("config-leader-election"; . + {"lease-duration": "15s", "renew-deadline": "10s", "retry-period": "2s"})
          | cm("config-autoscaler"; . + {"allow-zero-initial-scale": "true"})
          | cm("config-logging"; . + {"loglevel.webhook": "warn"})
          | walk(if type == "object" and (.clientConfig.service? != null) then .clientConfig.service.port = $port else . end))
      | . + [{apiVersion: "v1", kind: "Service",
              metadata: {name: "webhook", namespace: "knative-serving",
                         labels: {"app.kubernetes.io/component": "webhook", "app.kubernetes.io/name": "knative-serving"}},
              spec: {type: "ExternalName", externalName: "localhost",
                     ports: [{name: "https-webhook", port: $port, targetPort: $port}]}}]
      | {apiVersion: "v1", kind: "List", items: .}' |
    kubectl apply -f - >/dev/null
}

# Knative Eventing: namespace, CRDs, ConfigMaps, webhooks and the data-plane Deployments and
# Services, adjusted for this environment in one pass:
# - CRD conversion and webhook configurations: the port of the process behind each webhook
#   Service (kube-apiserver dials the ExternalName target on that port).
# - Services eventing-webhook and inmemorychannel-webhook of type ExternalName -> localhost.
# - config-observability: no metrics or profiling servers; config-leader-election: short leases.
# - Data-plane Deployments (imc-dispatcher, mt-broker-ingress, mt-broker-filter,
#   pingsource-mt-adapter): image ko://knative.dev/eventing/cmd/X -> fn-testenv.host/eventing/<X's
#   last part>, which the node runs from the build cache (data-plane/host.ts).
apply_eventing() {
  local ev=$MANIFESTS/eventing
  kubectl apply -f "$ev/100-namespace.yaml" >/dev/null
  local fix_ports='walk(if type == "object" and (.service? | type) == "object" and .service.name? != null
                      and (.service.name == "eventing-webhook" or .service.name == "inmemorychannel-webhook")
                    then .service.port = (if .service.name == "eventing-webhook" then $ev else $imc end) else . end)'
  kubectl create --dry-run=client -o json -f "$ev/crds/" |
    jq -s --argjson ev "$EVENTING_WEBHOOK_PORT" --argjson imc "$IMC_WEBHOOK_PORT" "[.[] | if .kind == \"List\" then .items[] else . end] | map($fix_ports) | {apiVersion: \"v1\", kind: \"List\", items: .}" |
    kubectl apply -f - >/dev/null
  kubectl wait --for condition=established --timeout=60s -f "$ev/crds/" >/dev/null
  kubectl create --dry-run=client -o json -f "$ev/configmaps/" -f "$ev/webhooks/" -f "$ev/data-plane/" |
    jq -s --argjson ev "$EVENTING_WEBHOOK_PORT" --argjson imc "$IMC_WEBHOOK_PORT" "
      def cm(\$name; f): if .kind == \"ConfigMap\" and .metadata.name == \$name then .data = ((.data // {}) | f) else . end;
      def webhook_service(\$name; \$port): {apiVersion: \"v1\", kind: \"Service\",
        metadata: {name: \$name, namespace: \"knative-eventing\"},
        spec: {type: \"ExternalName\", externalName: \"localhost\", ports: [{name: \"https-webhook\", port: \$port, targetPort: \$port}]}};
      [.[] | if .kind == \"List\" then .items[] else . end]
      | map(
          cm(\"config-observability\"; . + {\"metrics.backend-destination\": \"none\",
              \"metrics.request-metrics-backend-destination\": \"none\", \"profiling.enable\": \"false\"})
          | cm(\"config-leader-election\"; . + {\"lease-duration\": \"15s\", \"renew-deadline\": \"10s\", \"retry-period\": \"2s\"})
          | $fix_ports
          | walk(if type == \"object\" and (.image? | type) == \"string\" and (.image | startswith(\"ko://knative.dev/eventing/cmd/\"))
                 then .image = (\"fn-testenv.host/eventing/\" + (.image | split(\"/\") | last)) else . end))
      | . + [webhook_service(\"eventing-webhook\"; \$ev), webhook_service(\"inmemorychannel-webhook\"; \$imc)]
      | {apiVersion: \"v1\", kind: \"List\", items: .}" |
    kubectl apply -f - >/dev/null
}

# What the node needs to run Eventing's data-plane pods from the build cache (data-plane/host.ts):
# each binary, and the environment variable through which it takes each container port.
write_host_images() {
  local proxy="http://$INGRESS_IP:$INGRESS_PORT"
  jq -n --arg bin "$BIN/eventing" --arg kubeconfig "$KUBECONFIG_FILE" --arg proxy "$proxy" '{
    env: {KUBECONFIG: $kubeconfig, HTTP_PROXY: $proxy, http_proxy: $proxy, KUBERNETES_MIN_VERSION: "v1.31.0"},
    freePortEnv: ["PROFILING_PORT", "FN_TESTENV_HEALTH_PORT"],
    images: {
      "fn-testenv.host/eventing/channel_dispatcher": {command: ($bin + "/channel_dispatcher"),
        ports: {"8080": "FN_TESTENV_IMC_HTTP_PORT", "8443": "FN_TESTENV_IMC_HTTPS_PORT"}},
      "fn-testenv.host/eventing/ingress": {command: ($bin + "/ingress"), ports: {"8080": "INGRESS_PORT", "8443": "INGRESS_PORT_HTTPS"}},
      "fn-testenv.host/eventing/filter": {command: ($bin + "/filter"), ports: {"8080": "FILTER_PORT", "8443": "FILTER_PORT_HTTPS"}},
      "fn-testenv.host/eventing/mtping": {command: ($bin + "/mtping"), ports: {"8080": "FN_TESTENV_HEALTH_PORT"}}
    }}' >"$HOST_IMAGES.tmp"
  mv "$HOST_IMAGES.tmp" "$HOST_IMAGES"
}

# start_eventing NAME BINARY ENV...: one Eventing control-plane process on the host.
start_eventing() {
  local name=$1 binary=$2; shift 2
  start "$name" env SYSTEM_NAMESPACE=knative-eventing METRICS_DOMAIN=knative.dev/eventing \
    CONFIG_LOGGING_NAME=config-logging CONFIG_OBSERVABILITY_NAME=config-observability KUBERNETES_MIN_VERSION=v1.31.0 \
    POD_NAME="fn-testenv-$name" PROFILING_PORT="$(eventing_profiling_port "$name")" \
    FN_TESTENV_HEALTH_PORT="$(eventing_health_port "$name")" "$@" "$BIN/eventing/$binary" --kubeconfig "$STATE/kubeconfig-${EVENTING_SA[$name]}"
}

KNATIVE_ENV=(SYSTEM_NAMESPACE=knative-serving METRICS_DOMAIN=knative.dev/internal/serving
  CONFIG_LOGGING_NAME=config-logging CONFIG_OBSERVABILITY_NAME=config-observability
  KUBERNETES_MIN_VERSION=v1.31.0)

# A throw-away Knative Service whose pod must reach the node and be reported on: proves webhook,
# controller, the deployment and replicaset controllers and the node work together before we
# report success. Its image exists nowhere (the Docker side may still be starting), so the pod's
# container must end up waiting with the pull error the node reports.
probe_ready() {
  kubectl -n fn-testenv-probe get pods -l serving.knative.dev/service=probe -o json 2>/dev/null |
    jq -e '[.items[] | select(.spec.nodeName == "fn-testenv-node") | .status.containerStatuses[]? | select(.name == "user-container") | .state.waiting.reason | select(. == "ErrImagePull" or . == "ImagePullBackOff")] | length > 0' >/dev/null
}
run_probe() {
  kubectl get ns fn-testenv-probe >/dev/null 2>&1 || kubectl create ns fn-testenv-probe >/dev/null
  cat >"$STATE/probe-ksvc.yaml" <<X
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: probe, namespace: fn-testenv-probe}
spec:
  template:
    spec:
      containers:
      - image: 127.0.0.1:1/fn-testenv/probe@sha256:0000000000000000000000000000000000000000000000000000000000000000
X
  wait_for "Knative webhook to admit a Service" 60 knative-webhook kubectl apply -f "$STATE/probe-ksvc.yaml"
  wait_for "the probe Service's pod to run on the node" 90 data-plane probe_ready
  kubectl delete ns fn-testenv-probe --wait=false >/dev/null
}

# Eventing's probe: a Broker `default` must become Ready (Knative's own conditions: its channel, an
# InMemoryChannel, addressable through the dispatcher the node runs; Endpoints behind broker-ingress
# and broker-filter), a Trigger on it Ready (its Subscription acknowledged by the dispatcher), and a
# CloudEvent sent to the broker's address through the ingress proxy must reach the Trigger's
# subscriber: curl -> proxy -> broker ingress -> proxy -> IMC dispatcher -> proxy -> broker filter
# -> subscriber. The subscriber is a one-shot sink on 127.0.0.1 run here, not a Knative Service:
# at this point the registry that would hold its image may still be starting (run-all.sh starts
# it in parallel), and Serving's own path to a pod is proven by run_probe and the ingress check.
# test/e2e/eventing.test.ts sends to Knative Services.
EVENTS_PROBE_NS=fn-testenv-probe-events
EVENT_SINK_PY='
import http.server, json, os, sys
out = sys.argv[1]
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        with open(out + ".tmp", "w") as f:
            json.dump({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode("utf-8", "replace")}, f)
        os.replace(out + ".tmp", out)
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Sink)
with open(out + ".port.tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(out + ".port.tmp", out + ".port")
server.serve_forever()
'
ready_condition() { # ready_condition KIND NAME: the object's Ready condition is True
  kubectl -n "$EVENTS_PROBE_NS" get "$1" "$2" -o json 2>/dev/null | jq -e '.status.conditions[]? | select(.type == "Ready" and .status == "True")' >/dev/null
}
show_conditions() {
  kubectl -n "$EVENTS_PROBE_NS" get "$1" "$2" -o json 2>/dev/null | jq -r '.status.conditions[]? | "  \(.type)=\(.status) \(.reason // "") \(.message // "")"'
}
send_probe_event() { # send_probe_event ID: the broker ingress accepted it (202)
  local code
  code=$(env -u NO_PROXY -u no_proxy curl -s -o /dev/null -w '%{http_code}' --max-time 5 -x "http://$INGRESS_IP:$INGRESS_PORT" \
    -H 'ce-specversion: 1.0' -H "ce-id: $1" -H 'ce-type: dev.fn.testenv.probe' -H 'ce-source: /fn-testenv/up.sh' \
    -H 'content-type: application/json' -d '{"probe": "up.sh"}' \
    "http://broker-ingress.knative-eventing.svc.cluster.local/$EVENTS_PROBE_NS/default")
  [[ $code == 202 ]]
}
event_received() { [[ -f $1 ]] && [[ $(jq -r '.headers["ce-id"]' "$1") == "$2" ]]; }
run_eventing_probe() {
  local got=$STATE/probe-event.json id
  rm -f "$got" "$got.port"
  start probe-event-sink python3 -c "$EVENT_SINK_PY" "$got"
  wait_for "the probe's event sink" 10 probe-event-sink test -s "$got.port"
  kubectl get ns "$EVENTS_PROBE_NS" >/dev/null 2>&1 || kubectl create ns "$EVENTS_PROBE_NS" >/dev/null
  cat >"$STATE/probe-events.yaml" <<X
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: {name: default, namespace: $EVENTS_PROBE_NS}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: probe, namespace: $EVENTS_PROBE_NS}
spec:
  broker: default
  filter: {attributes: {type: dev.fn.testenv.probe}}
  subscriber: {uri: "http://127.0.0.1:$(cat "$got.port")/"}
X
  wait_for "the Eventing webhook to admit a Broker and a Trigger" 60 eventing-webhook kubectl apply -f "$STATE/probe-events.yaml"
  WAIT_EXPLAIN="show_conditions broker default" wait_for "Broker $EVENTS_PROBE_NS/default to become Ready" 120 mt-broker-controller ready_condition broker default
  WAIT_EXPLAIN="show_conditions trigger probe" wait_for "Trigger $EVENTS_PROBE_NS/probe to become Ready" 60 mt-broker-controller ready_condition trigger probe
  # The filter and dispatcher learn of the Trigger from their own informers: resend until one arrives.
  local deadline=$((SECONDS + 60)) n=0
  until [[ -n ${id:-} ]] && event_received "$got" "$id"; do
    if ((SECONDS >= deadline)); then
      log "timed out waiting for an event sent to Broker $EVENTS_PROBE_NS/default to reach its Trigger's subscriber"
      tail -n 20 "$LOGS/data-plane.log" >&2 || true
      exit 1
    fi
    if ((n % 10 == 0)); then
      id=fn-testenv-probe-$n
      send_probe_event "$id" || id=
    fi
    n=$((n + 1))
    sleep 0.5
  done
  log "event $id went broker -> channel -> trigger -> subscriber"
  kill -TERM -- "-$(cat "$PIDS/probe-event-sink.pid")" 2>/dev/null || true
  rm -f "$PIDS/probe-event-sink.pid" "$got.port"
  kubectl delete ns "$EVENTS_PROBE_NS" --wait=false >/dev/null
}

# ---------------------------------------------------------------- main
main() {
  local t0=$SECONDS
  mkdir -p "$STATE"
  log "checking $STATE"
  exec 8>"$STATE/.up.lock"
  flock 8
  if [[ -x $BIN/kubectl ]] && healthy; then
    log "already running and healthy (state: $STATE)"
    print_env
    return 0
  fi
  ensure_packages
  ensure_binaries
  [[ -f $REPO/node_modules/tsx/package.json ]] ||
    die "node_modules missing in $REPO: run 'npm ci' first (the data plane runs with tsx)"

  # Anything half-started from an earlier run goes first.
  if compgen -G "$PIDS/*.pid" >/dev/null; then
    log "cleaning up a previous, unhealthy instance"
    "$HERE/down.sh" >&2
  fi
  local p
  local c eventing_ports=("$EVENTING_WEBHOOK_PORT" "$IMC_WEBHOOK_PORT")
  for c in "${EVENTING_PROCS[@]}"; do eventing_ports+=("$(eventing_health_port "$c")" "$(eventing_profiling_port "$c")"); done
  for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$WEBHOOK_PORT" "$WEBHOOK_PROFILING_PORT" \
    "$CONTROLLER_PROFILING_PORT" "$CONTROLLER_HEALTH_PORT" "${eventing_ports[@]}" ${KUBELET_PORT:+"$KUBELET_PORT"}; do
    port_free "$p" || die "port $p is in use: $(ss -Hltnp "sport = :$p" | head -1)"
  done
  if [[ -z $KUBELET_PORT ]]; then KUBELET_PORT=10250; port_free $KUBELET_PORT || KUBELET_PORT=$(some_free_port); fi
  if [[ -z $INGRESS_PORT ]]; then INGRESS_PORT=80; port_free_on "$INGRESS_IP" 80 || INGRESS_PORT=$(some_free_port); fi
  port_free_on "$INGRESS_IP" "$INGRESS_PORT" || die "$INGRESS_IP:$INGRESS_PORT is in use: $(ss -Hltnp "sport = :$INGRESS_PORT" | head -1)"
  log "node: kubelet endpoint on 127.0.0.1:$KUBELET_PORT; ingress on $INGRESS_IP:$INGRESS_PORT"
  mkdir -p "$LOGS" "$PIDS"
  make_pki
  write_kubeconfig
  local sa
  for sa in "${EVENTING_SERVICE_ACCOUNTS[@]}"; do write_kubeconfig "$STATE/kubeconfig-$sa" "sa-$sa"; done
  echo "$ETCD_DATA" >"$STATE/etcd-data-dir"

  log "starting etcd (data: $ETCD_DATA)"
  rm -rf "$ETCD_DATA"; mkdir -p "$ETCD_DATA"; chmod 700 "$ETCD_DATA"
  start etcd etcd --name fn-testenv --data-dir "$ETCD_DATA" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "fn-testenv=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
    --snapshot-count 10000 --logger zap --log-level warn
  wait_for "etcd" 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  log "starting kube-apiserver on https://127.0.0.1:$APISERVER_PORT"
  start kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --authorization-mode RBAC --disable-admission-plugins ServiceAccount \
    --endpoint-reconciler-type none --service-cluster-ip-range "$SERVICE_CIDR" \
    --allow-privileged=true --profiling=false --enable-priority-and-fairness=false \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-client-certificate "$PKI/admin.crt" \
    --kubelet-client-key "$PKI/admin.key" --kubelet-preferred-address-types InternalIP
  wait_for "kube-apiserver /readyz" 90 kube-apiserver bash -c "[[ \$(curl -s --max-time 2 --cacert '$PKI/ca.crt' --cert '$PKI/admin.crt' --key '$PKI/admin.key' https://127.0.0.1:$APISERVER_PORT/readyz) == ok ]]"

  # The data plane first: Node takes a few seconds to load it, which overlaps the applies below
  # (until the CRDs exist its watches just retry).
  log "starting the data plane (data-plane/: node, ingress, autoscaler stub)"
  write_host_images
  (cd "$REPO" && start data-plane env FN_TESTENV_DIR="$STATE" FN_TESTENV_HOST_IMAGES="$HOST_IMAGES" FN_TESTENV_API="https://127.0.0.1:$APISERVER_PORT" FN_TESTENV_PKI="$PKI" \
    FN_TESTENV_KUBELET_PORT="$KUBELET_PORT" FN_TESTENV_INGRESS="$INGRESS_IP:$INGRESS_PORT" \
    node --import tsx "$HERE/data-plane/main.ts")
  log "applying Knative Serving $SERVING_VERSION CRDs, ConfigMaps and webhook configurations"
  apply_knative
  log "applying Knative Eventing $EVENTING_VERSION CRDs, ConfigMaps, webhook configurations and data-plane Deployments"
  apply_eventing

  # After the CRDs: the garbage collector then knows Knative's kinds from its first discovery
  # (otherwise cascading deletes of Revision-owned objects wait for its 30s rediscovery).
  log "starting kube-controller-manager (garbagecollector, namespace, deployment, replicaset)"
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$KUBECONFIG_FILE" --controllers garbagecollector,namespace,deployment,replicaset \
    --leader-elect=false --secure-port 0 --use-service-account-credentials=false

  log "starting Knative webhook on :$WEBHOOK_PORT"
  start knative-webhook env "${KNATIVE_ENV[@]}" POD_NAME=fn-testenv-webhook WEBHOOK_NAME=webhook WEBHOOK_PORT="$WEBHOOK_PORT" \
    PROFILING_PORT="$WEBHOOK_PROFILING_PORT" "$BIN/webhook" --kubeconfig "$KUBECONFIG_FILE"
  log "starting Knative controller (health on :$CONTROLLER_HEALTH_PORT)"
  start knative-controller env "${KNATIVE_ENV[@]}" POD_NAME=fn-testenv-controller PROFILING_PORT="$CONTROLLER_PROFILING_PORT" \
    FN_TESTENV_HEALTH_PORT="$CONTROLLER_HEALTH_PORT" "$BIN/controller" --kubeconfig "$KUBECONFIG_FILE"
  log "starting Knative Eventing webhook (:$EVENTING_WEBHOOK_PORT), in-memory channel controller + webhook (:$IMC_WEBHOOK_PORT), controller and mt-channel-broker controller"
  start_eventing eventing-webhook webhook WEBHOOK_NAME=eventing-webhook WEBHOOK_PORT="$EVENTING_WEBHOOK_PORT" \
    SINK_BINDING_SELECTION_MODE=inclusion
  start_eventing imc-controller channel_controller WEBHOOK_NAME=inmemorychannel-webhook WEBHOOK_PORT="$IMC_WEBHOOK_PORT" \
    DISPATCHER_IMAGE=fn-testenv.host/eventing/channel_dispatcher
  start_eventing eventing-controller controller APISERVER_RA_IMAGE=fn-testenv.invalid/eventing/apiserver-receive-adapter:not-built
  start_eventing mt-broker-controller mtchannel_broker

  wait_for "webhook configurations to carry a caBundle" 60 knative-webhook webhooks_have_cabundle
  wait_for "Knative controller health" 60 knative-controller \
    curl -sf --max-time 2 "http://127.0.0.1:$CONTROLLER_HEALTH_PORT/health"
  run_probe
  wait_for "Eventing webhook configurations to carry a caBundle" 60 eventing-webhook eventing_webhooks_have_cabundle
  for c in "${EVENTING_PROCS[@]}"; do
    wait_for "$c health" 60 "$c" curl -sf --max-time 2 "http://127.0.0.1:$(eventing_health_port "$c")/health"
  done
  run_eventing_probe
  wait_for "the ingress on $INGRESS_IP:$INGRESS_PORT" 30 data-plane ingress_answers "$INGRESS_IP:$INGRESS_PORT"

  cat >"$STATE/env" <<X
export KUBECONFIG=$KUBECONFIG_FILE
export FN_TESTENV_DIR=$STATE
export FN_TESTENV_DOMAIN=$DOMAIN
export FN_TESTENV_INGRESS=$INGRESS_IP:$INGRESS_PORT
X
  log "up in $((SECONDS - t0))s; logs in $LOGS"
  print_env
}

case ${1:-} in
--build-only) ensure_packages; ensure_binaries ;;
--build-steps) # internal, see ensure_binaries
  rm -rf "$CACHE/bin.tmp"
  t=$SECONDS; build_knative; log "built Knative Serving + Eventing in $((SECONDS - t))s"
  t=$SECONDS; build_k8s; log "built Kubernetes in $((SECONDS - t))s" ;;
"") main ;;
*) echo "usage: $0 [--build-only]" >&2; exit 2 ;;
esac
