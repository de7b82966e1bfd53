#!/usr/bin/env bash
# Docker test environment for fn's build/push tests. Idempotent: fast when already up.
#
#   dockerd   rootful, --iptables=false --ip6tables=false --bridge=none (no docker bridge, ever),
#             on the default socket unless an engine already answers there (then it is reused).
#   registry  two Debian docker-registry processes on 127.0.0.1:
#               :5000  open, plain HTTP
#               :5443  TLS (self-signed CA made here) + htpasswd basic auth
#   images    no public registry is reachable, so the test base images are built here once from a
#             debootstrap'ed Debian (cached under ~/.cache/fn-testenv/images) and pushed to
#             127.0.0.1:5000/fn-test/<name>:<tag>.
#
# Writes $STATE/docker.env (source it; test/support/docker-env.ts reads it). Logs and pids live in
# $STATE/docker/. test/env/docker-down.sh stops what this started.
set -euo pipefail

STATE=${FN_TESTENV_DIR:-/tmp/fn-testenv}
D=$STATE/docker
CACHE=${FN_TESTENV_CACHE:-$HOME/.cache/fn-testenv}/images
SOCK=${FN_TEST_DOCKER_SOCK:-/var/run/docker.sock}
OPEN_PORT=5000
SECURE_PORT=5443
REG_USER=fntest
SUITE=bookworm
HOST_CA_BUNDLE=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
# Bump when the recipes below change: images of another version are rebuilt.
IMAGES_VERSION=2
REBUILT=()

log() { printf '[docker-up %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$D" "$CACHE"
# One `up` at a time (tests, benches and CI may call it concurrently); children close fd 9.
exec 9>"$D/.up.lock"
flock 9

export DOCKER_HOST=unix://$SOCK

# ---------------------------------------------------------------- packages
ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "need root to apt-get install ${missing[*]}"
  # Never run apt next to another apt (other test environments install too).
  local waited=0
  while pgrep -x 'apt|apt-get|dpkg' >/dev/null; do
    ((waited++ < 300)) || die "apt is still busy after 5 minutes"
    sleep 1
  done
  log "installing ${missing[*]}"
  # Keep the packages from starting their own services (policy-rc.d 101 = action forbidden).
  local prc=/usr/sbin/policy-rc.d created_prc=0
  if [[ ! -e $prc ]]; then printf '#!/bin/sh\nexit 101\n' >$prc; chmod +x $prc; created_prc=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ((created_prc)) && rm -f $prc
}

# ---------------------------------------------------------------- dockerd
engine_up() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

start_dockerd() {
  if engine_up; then
    log "engine already answers on $SOCK ($(docker info --format '{{.ServerVersion}}'))"
    return
  fi
  log "starting dockerd on $SOCK (no bridge, no iptables)"
  rm -f "$SOCK"
  setsid dockerd --iptables=false --ip6tables=false --bridge=none \
    --host="unix://$SOCK" --pidfile="$D/dockerd.pid" >"$D/dockerd.log" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 120); do
    engine_up && return
    kill -0 "$(cat "$D/dockerd.pid" 2>/dev/null || echo 0)" 2>/dev/null || ((i < 10)) || break
    sleep 0.5
  done
  tail -20 "$D/dockerd.log" >&2
  die "dockerd did not come up (log: $D/dockerd.log)"
}

# ---------------------------------------------------------------- TLS + auth for :5443
ensure_certs() {
  local c=$D/certs
  mkdir -p "$c"
  if [[ ! -s $c/ca.crt || ! -s $c/server.crt ]]; then
    log "generating a CA and a server certificate for 127.0.0.1:$SECURE_PORT"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=fn-testenv CA" \
      -keyout "$c/ca.key" -out "$c/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$c/server.key" -out "$c/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$c/ext.cnf"
    openssl x509 -req -in "$c/server.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
      -days 3650 -extfile "$c/ext.cnf" -out "$c/server.crt" 2>/dev/null
  fi
  # The engine trusts a registry's CA from certs.d/<host:port>/ca.crt.
  mkdir -p "/etc/docker/certs.d/127.0.0.1:$SECURE_PORT"
  cp "$c/ca.crt" "/etc/docker/certs.d/127.0.0.1:$SECURE_PORT/ca.crt"
  if [[ ! -s $D/registry-password ]]; then
    (umask 077; openssl rand -hex 12 >"$D/registry-password")
  fi
  htpasswd -Bbn "$REG_USER" "$(cat "$D/registry-password")" >"$D/htpasswd" 2>/dev/null
}

# ---------------------------------------------------------------- registries
registry_config() { # name port [tls]
  local name=$1 port=$2 tls=${3:-}
  cat <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $D/registry-$name
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: fn-testenv-$name
EOF
  if [[ -n $tls ]]; then
    cat <<EOF
  tls:
    certificate: $D/certs/server.crt
    key: $D/certs/server.key
auth:
  htpasswd:
    realm: fn-testenv
    path: $D/htpasswd
EOF
  fi
}

registry_answers() { # url [curl args]
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" || true)
  [[ $code == 200 || $code == 401 ]]
}

start_registry() { # name port url [tls]
  local name=$1 port=$2 url=$3 tls=${4:-}
  local curl_args=("$url/v2/")
  [[ -n $tls ]] && curl_args+=(--cacert "$D/certs/ca.crt")
  if registry_answers "${curl_args[@]}"; then return; fi
  log "starting registry $name on 127.0.0.1:$port"
  mkdir -p "$D/registry-$name"
  registry_config "$name" "$port" "$tls" >"$D/registry-$name.yml"
  setsid docker-registry serve "$D/registry-$name.yml" >"$D/registry-$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$D/registry-$name.pid"
  local i
  for i in $(seq 1 50); do
    registry_answers "${curl_args[@]}" && return
    sleep 0.2
  done
  tail -20 "$D/registry-$name.log" >&2
  die "registry $name did not answer on $url (log: $D/registry-$name.log)"
}

# ---------------------------------------------------------------- base images
# Debian's mirror as this machine's apt sources name it.
debian_mirror() {
  local m
  m=$(grep -rhoE '^(URIs:|deb) *https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
    grep -v -- '-security' | grep -m1 -oE 'https?://[^ ]*debian[^ ]*' || true)
  echo "${m:-http://deb.debian.org/debian}"
}

have_image() {
  [[ $(docker image inspect -f '{{index .Config.Labels "dev.fn.testenv"}}' "$1" 2>/dev/null) == "$IMAGES_VERSION" ]]
}

# Build a local image from a Dockerfile on stdin, with host networking (there is no bridge). The
# host's CA bundle goes in as ca-certificates.crt: builds reach the package registries through the
# same TLS path the host does (an egress proxy's CA, when there is one).
build_image() { # tag context-dir
  local logf="$D/build-${1//[\/:]/-}.log"
  cp "$HOST_CA_BUNDLE" "$2/ca-certificates.crt"
  if ! DOCKER_BUILDKIT=0 docker build --network host -t "$1" -f - "$2" >"$logf" 2>&1; then
    tail -20 "$logf" >&2
    die "building $1 failed (log: $logf)"
  fi
  REBUILT+=("$1")
}

ensure_debian() {
  local tag=fn-test/debian:$SUITE rootfs_tar=$CACHE/debian-$SUITE-minbase.tar
  have_image "$tag" && return
  if [[ ! -s $rootfs_tar ]]; then
    local mirror tmp
    mirror=$(debian_mirror)
    tmp=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
    log "debootstrap --variant=minbase $SUITE from $mirror (a few minutes, once)"
    if ! debootstrap --variant=minbase "$SUITE" "$tmp/rootfs" "$mirror" >"$D/debootstrap.log" 2>&1; then
      tail -20 "$D/debootstrap.log" >&2
      rm -rf "$tmp"
      die "debootstrap failed (log: $D/debootstrap.log)"
    fi
    # Smaller image: no package lists or caches.
    rm -rf "$tmp/rootfs"/var/lib/apt/lists/* "$tmp/rootfs"/var/cache/apt/*.bin "$tmp/rootfs"/var/cache/apt/archives/*.deb
    tar --numeric-owner -C "$tmp/rootfs" -cf "$rootfs_tar.tmp" .
    mv "$rootfs_tar.tmp" "$rootfs_tar"
    rm -rf "$tmp"
  fi
  log "importing $tag"
  docker import -c 'CMD ["/bin/bash"]' "$rootfs_tar" "$tag-rootfs" >/dev/null
  build_image "$tag" "$(mktemp -d)" <<EOF
FROM $tag-rootfs
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL dev.fn.testenv=$IMAGES_VERSION
EOF
}

# node: the host's Node 20 and npm (from the `nodejs` deb) on the Debian base, like node:20-slim.
ensure_node() {
  local tag=fn-test/node:20
  have_image "$tag" && return
  log "building $tag from the host's $(node --version)"
  local ctx
  ctx=$(mktemp -d)
  cp /usr/bin/node "$ctx/node"
  cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." "$ctx/npm"
  build_image "$tag" "$ctx" <<EOF
FROM fn-test/debian:$SUITE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd -g 1000 node && useradd -u 1000 -g node -m node
CMD ["node"]
EOF
  rm -rf "$ctx"
}

# python: Debian's python3 with venv and pip, like python:3.12-slim (python3, pip, venv on PATH).
ensure_python() {
  local tag=fn-test/python:3
  have_image "$tag" && return
  log "building $tag (apt-get install python3 inside)"
  build_image "$tag" "$(mktemp -d)" <<EOF
FROM fn-test/debian:$SUITE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 python3-venv python3-pip python-is-python3 ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
EOF
}

# go: the host's /usr/local/go on the Debian base (+ CA certificates for the module proxy), like golang:1.
ensure_go() {
  local tag=fn-test/golang:1
  have_image "$tag" && return
  log "building $tag from the host's $(/usr/local/go/bin/go version | cut -d' ' -f3)"
  local ctx
  ctx=$(mktemp -d)
  cp -a /usr/local/go "$ctx/go"
  rm -rf "$ctx/go/pkg/obj" "$ctx/go/test" "$ctx/go/doc"
  build_image "$tag" "$ctx" <<EOF
FROM fn-test/debian:$SUITE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates git >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY go /usr/local/go
ENV GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
EOF
  rm -rf "$ctx"
}

# static: a tiny final image for Go binaries (CA certificates, tzdata, passwd with nonroot 65532),
# like gcr.io/distroless/static-debian12.
ensure_static() {
  local tag=fn-test/static:latest
  have_image "$tag" && return
  log "building $tag"
  local ctx
  ctx=$(mktemp -d)
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ctx/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/group"
  build_image "$tag" "$ctx" <<EOF
FROM fn-test/golang:1 AS certs
FROM scratch
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=certs /usr/share/zoneinfo /usr/share/zoneinfo
COPY passwd /etc/passwd
COPY group /etc/group
USER 65532:65532
LABEL dev.fn.testenv=$IMAGES_VERSION
EOF
  rm -rf "$ctx"
}

# Push a local image to the open registry unless the registry already has it.
publish() { # local-tag
  local src=$1 dst="127.0.0.1:$OPEN_PORT/$1"
  local repo=${src%%:*} tag=${src##*:} code
  code=$(curl -s -o /dev/null -w '%{http_code}' -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$OPEN_PORT/v2/$repo/manifests/$tag" || true)
  [[ $code == 200 && ! " ${REBUILT[*]} " =~ " $src " ]] && return
  log "pushing $dst"
  docker tag "$src" "$dst"
  docker push -q "$dst" >"$D/push.log" 2>&1 || { tail -5 "$D/push.log" >&2; die "pushing $dst failed"; }
}

write_env() {
  local f=$STATE/docker.env
  cat "$HOST_CA_BUNDLE" "$D/certs/ca.crt" >"$D/certs/node-ca-bundle.crt"
  cat >"$f.tmp" <<EOF
# Written by test/env/docker-up.sh. Source it: . $f
export DOCKER_HOST=unix://$SOCK
export FN_TEST_REGISTRY=127.0.0.1:$OPEN_PORT
export FN_TEST_SECURE_REGISTRY=127.0.0.1:$SECURE_PORT
export FN_TEST_SECURE_REGISTRY_USER=$REG_USER
export FN_TEST_SECURE_REGISTRY_PASSWORD=$(cat "$D/registry-password")
export FN_TEST_SECURE_REGISTRY_CA=$D/certs/ca.crt
# Node (fn itself, tests) trusts the test CA, and whatever the host already trusted, through this.
export NODE_EXTRA_CA_CERTS=$D/certs/node-ca-bundle.crt
export FN_TEST_BASE_DEBIAN=127.0.0.1:$OPEN_PORT/fn-test/debian:$SUITE
export FN_TEST_BASE_NODE=127.0.0.1:$OPEN_PORT/fn-test/node:20
export FN_TEST_BASE_PYTHON=127.0.0.1:$OPEN_PORT/fn-test/python:3
export FN_TEST_BUILDER_GO=127.0.0.1:$OPEN_PORT/fn-test/golang:1
export FN_TEST_BASE_GO=127.0.0.1:$OPEN_PORT/fn-test/static:latest
# No docker bridge here: containers and builds use the host's network.
export FN_TEST_NETWORK=host
EOF
  chmod 600 "$f.tmp"
  mv "$f.tmp" "$f"
}

ensure_packages
start_dockerd
ensure_certs
start_registry open "$OPEN_PORT" "http://127.0.0.1:$OPEN_PORT"
start_registry secure "$SECURE_PORT" "https://127.0.0.1:$SECURE_PORT" tls
ensure_debian
ensure_node
ensure_python
ensure_go
ensure_static
for image in fn-test/debian:$SUITE fn-test/node:20 fn-test/python:3 fn-test/golang:1 fn-test/static:latest; do
  publish "$image"
done
write_env
log "ready: . $STATE/docker.env"
