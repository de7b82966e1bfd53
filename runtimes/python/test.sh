#!/usr/bin/env bash
# Tests the Python invoker with pytest in runtimes/python/.venv, which prepare.py makes and fills (the
# invoker's locked server and CloudEvents SDK, then test-requirements.txt) only when missing or when the
# lock or the requirements changed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/fn-test-requirements.sha256"
want="$(cat "$here/test-requirements.txt" "$here"/requirements/*.txt "$here/prepare.py" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  python3 "$here/prepare.py" --venv "$venv" --template cloudevents --requirements "$here/test-requirements.txt"
  echo "$want" > "$stamp"
fi
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
