#!/usr/bin/env bash
# Regenerates server.txt and cloudevents.txt (exact versions and sha256 hashes of every file PyPI has
# for them, for all platforms and Python >= 3.10) from the .in files, with uv's universal resolver.
# Run it after changing a .in file and commit the result; builds never resolve, they install the lock.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install --disable-pip-version-check --quiet uv==0.13.8
for name in server cloudevents; do
  (cd "$here" && "$tools/venv/bin/uv" pip compile --quiet --universal --python-version 3.10 --generate-hashes \
    --custom-compile-command "bash runtimes/python/requirements/lock.sh" "$name.in" -o "$name.txt")
done
