#!/usr/bin/env bash
# Fetches the JSON schemas the CI tests check generated pipelines against, once, into fn's tool cache,
# and prints that folder: gitlab-ci.json (GitLab's schema for .gitlab-ci.yml), github-actions.json
# (SchemaStore's for action.yml) and github-workflows.json, with their licences. They come from the
# check-jsonschema wheel on PyPI, which vendors them (version and checksum pinned in requirements.txt;
# pip checks the hash). Needs Python 3 with pip. `--print-path` prints the folder without fetching.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=$(sed -n 's|^check-jsonschema==\([^ ]*\) .*$|\1|p' "$here/requirements.txt")
[[ -n $version ]] || { echo "install.sh: no check-jsonschema version in $here/requirements.txt" >&2; exit 1; }
dir="${FN_TESTENV_CACHE:-$HOME/.cache/fn-testenv}/ci-schemas-check-jsonschema-$version"
if [[ ${1:-} == --print-path ]]; then echo "$dir"; exit 0; fi
if [[ ! -f $dir/gitlab-ci.json ]]; then
  python3 -m pip --version >/dev/null 2>&1 || { echo "install.sh: Python 3 with pip is needed to fetch the CI schemas" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "fetching the CI schemas (check-jsonschema $version) into $dir" >&2
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary :all: --require-hashes -r "$here/requirements.txt" -d "$tmp"
  mkdir -p "$tmp/out"
  python3 - "$tmp" "$tmp/out" <<'PY'
import glob, sys, zipfile
wheel = zipfile.ZipFile(glob.glob(sys.argv[1] + "/check_jsonschema-*.whl")[0])
vendor = "check_jsonschema/builtin_schemas/vendor/"
for name, target in [("gitlab-ci.json",) * 2, ("github-actions.json",) * 2, ("github-workflows.json",) * 2,
                     ("licenses/LICENSE.gitlab", "LICENSE.gitlab"), ("licenses/LICENSE.schemastore", "LICENSE.schemastore")]:
    with open(f"{sys.argv[2]}/{target}", "wb") as f:
        f.write(wheel.read(vendor + name))
PY
  mkdir -p "$(dirname "$dir")"
  rm -rf "$dir.tmp.$$" && mv "$tmp/out" "$dir.tmp.$$" && mv "$dir.tmp.$$" "$dir"
fi
echo "$dir"
