#!/usr/bin/env bash
# Tests the Python invoker with pytest in runtimes/python/.venv, which it makes and fills (pip, from
# test-requirements.txt) only when missing or when the requirements changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/fn-test-requirements.sha256"
want="$(cat "$here/test-requirements.txt" "$here/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$here/test-requirements.txt"
  echo "$want" > "$stamp"
fi
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
