#!/usr/bin/env bash
# Installs everything fn's development and tests need on a fresh Debian machine (idempotent):
# system packages from Debian, npm dependencies, and the build. Go and Node 20 must already exist.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck: actionlint checks the workflows' run: scripts with it (test/integration/ci-workflows.test.ts).
packages=(docker.io docker-registry etcd-server apache2-utils debootstrap openssl jq wrk hyperfine git curl shellcheck)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's etcd-server package starts its own etcd on :2379; the test control plane runs its own.
if systemctl is-active --quiet etcd 2>/dev/null; then systemctl stop etcd || true; fi

# `npm ci`: exactly the locked versions. The lock lists every platform's optional packages (jest's
# native resolver bindings), so it installs on any machine without rewriting the lock.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
# The CloudEvents conformance tool the invokers' and templates' tests send events with (built once from its
# pinned module into ~/.cache/fn-testenv).
bash runtimes/conformance/install.sh >/dev/null
# actionlint and the GitLab CI / GitHub Actions JSON schemas, which the tests of `fn ci` and action.yml
# check generated pipelines with (built or fetched once, pinned, into ~/.cache/fn-testenv).
bash test/tools/actionlint/install.sh >/dev/null
bash test/tools/ci-schemas/install.sh >/dev/null
