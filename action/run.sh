#!/usr/bin/env bash
# The step of fn's GitHub Action (action.yml): the kubeconfig and the registry login go into a private
# temp folder that is removed when the step ends, then `fn deploy` runs, or, with rollout-steps, `fn rollout`
# (each builds and pushes the function first unless the image input names one).
# action.yml hands every input over as INPUT_<NAME>; fn itself writes the step outputs (url, revision,
# image, tag-<tag>-url, …) and the job summary when $GITHUB_OUTPUT is set, and this script adds tag-url
# and tag-urls. An empty input means fn's default.
set -euo pipefail
action_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fn() { node "$action_dir/bin/run.js" "$@"; }
fail() {
  echo "::error title=fn action::$*"
  exit 2
}
# "true"/"false" as GitHub gives booleans; anything else is a mistake worth stopping for.
enabled() {
  case "${1:-}" in
    true | True | TRUE) return 0 ;;
    false | False | FALSE | '') return 1 ;;
    *) fail "$2 must be true or false, not \"$1\"" ;;
  esac
}
args=()
# Adds FLAG VALUE when the input has a value.
opt() { [[ -z $2 ]] || args+=("$1" "$2"); }

private="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/fn-action.XXXXXX")"
trap 'rm -rf "$private"' EXIT

if [[ -n ${INPUT_KUBECONFIG:-} ]]; then
  # A kubeconfig always has a ':'; a secret made with `base64 < kubeconfig` has none.
  if [[ $INPUT_KUBECONFIG =~ ^[A-Za-z0-9+/=[:space:]]+$ ]]; then
    (umask 077 && base64 -d <<<"$INPUT_KUBECONFIG" >"$private/kubeconfig") || fail "the kubeconfig input is neither a kubeconfig nor base64"
  else
    (umask 077 && printf '%s\n' "$INPUT_KUBECONFIG" >"$private/kubeconfig")
  fi
  export KUBECONFIG="$private/kubeconfig"
fi

if [[ -n ${INPUT_REGISTRY_USERNAME:-} || -n ${INPUT_REGISTRY_PASSWORD:-} ]]; then
  [[ -n ${INPUT_REGISTRY_USERNAME:-} && -n ${INPUT_REGISTRY_PASSWORD:-} ]] || fail "registry-username and registry-password go together: one of them is empty (is its secret set?)"
  FN_LOGIN_DOCKER_CONFIG="$private/docker" node "$action_dir/dist/action-login.cjs"
  export DOCKER_CONFIG="$private/docker"
fi

path="${INPUT_PATH:-.}"
if [[ -n ${INPUT_ROLLOUT_STEPS:-} ]]; then
  if enabled "${INPUT_NO_TRAFFIC:-}" no-traffic; then fail "no-traffic does not go with rollout-steps: a rollout starts the new revision at 0% itself"; fi
  if enabled "${INPUT_ALL_TRAFFIC:-}" all-traffic; then fail "all-traffic does not go with rollout-steps: a rollout ends with all the traffic on the new revision itself"; fi
  # Without an image fn rollout builds and pushes the function, as fn deploy does.
  args=(rollout --path "$path" --steps "$INPUT_ROLLOUT_STEPS")
  if [[ -n ${INPUT_IMAGE:-} ]]; then opt --image "$INPUT_IMAGE"; else opt --registry "${INPUT_REGISTRY:-}"; fi
  opt --tag "${INPUT_TAG:-}"
  opt --interval "${INPUT_ROLLOUT_INTERVAL:-}"
  opt --check "${INPUT_ROLLOUT_CHECK:-}"
  opt --check-url "${INPUT_ROLLOUT_CHECK_URL:-}"
  opt --check-cmd "${INPUT_ROLLOUT_CHECK_CMD:-}"
  opt --requests "${INPUT_ROLLOUT_REQUESTS:-}"
  opt --max-error-rate "${INPUT_ROLLOUT_MAX_ERROR_RATE:-}"
  opt --max-p95 "${INPUT_ROLLOUT_MAX_P95:-}"
  opt --ingress "${INPUT_INGRESS:-}"
else
  args=(deploy --path "$path")
  if [[ -n ${INPUT_IMAGE:-} ]]; then opt --image "$INPUT_IMAGE"; else opt --registry "${INPUT_REGISTRY:-}"; fi
  opt --tag "${INPUT_TAG:-}"
  if enabled "${INPUT_NO_TRAFFIC:-}" no-traffic; then args+=(--no-traffic); fi
  if enabled "${INPUT_ALL_TRAFFIC:-}" all-traffic; then args+=(--all-traffic); fi
fi
opt --namespace "${INPUT_NAMESPACE:-}"
opt --context "${INPUT_CONTEXT:-}"
opt --timeout "${INPUT_TIMEOUT:-}"
fn "${args[@]}"

# fn wrote tag-<tag>-url for each tag; add the one asked for, and all of them as JSON.
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  tag="${INPUT_TAG:-}"
  if [[ -z $tag && -n ${INPUT_ROLLOUT_STEPS:-} ]]; then tag=canary; fi
  # shellcheck disable=SC2016 # JavaScript, not shell
  tags="$(node -e '
    const [file, tag] = process.argv.slice(1);
    const urls = {};
    for (const line of require("fs").readFileSync(file, "utf8").split("\n")) {
      const m = /^tag-(.+)-url=(.*)$/.exec(line);
      if (m) urls[m[1]] = m[2];
    }
    console.log(`tag-url=${urls[tag] ?? ""}`);
    console.log(`tag-urls=${JSON.stringify(urls)}`);
  ' "$GITHUB_OUTPUT" "$tag")"
  printf '%s\n' "$tags" >>"$GITHUB_OUTPUT"
fi
