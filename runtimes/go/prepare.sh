#!/bin/sh
# Before `fn run`: compile the function with fn's Go invoker into .fn/go/fn-function.
# Writes a tiny main module in .fn/go (main.go from main/<template>.go.tmpl) and a go.work that joins it
# with the function's module (`module function`, two folders up) and the invoker's module, then builds.
# Go's build cache makes an unchanged rebuild quick. Modules come from the Go module cache, or from the
# Go module proxy the first time (an http function needs none).
set -eu
runtime_dir=$(cd "$(dirname "$0")" && pwd)
function_dir=${FN_FUNCTION_DIR:-$(pwd)}
template=${FN_TEMPLATE:-http}
out="$function_dir/.fn/go"

if ! command -v go >/dev/null 2>&1; then
  echo "error: Go is not installed (or not on PATH); Go functions need Go 1.23 or newer to run locally" >&2
  exit 1
fi
if [ ! -f "$function_dir/go.mod" ]; then
  echo "error: $function_dir has no go.mod; a Go function is a module named \"function\" (go mod init function)" >&2
  exit 1
fi
if ! grep -Eq '^module[[:space:]]+"?function"?[[:space:]]*$' "$function_dir/go.mod"; then
  echo "error: $function_dir/go.mod must declare \`module function\` (fn's invoker imports the package as \"function\")" >&2
  exit 1
fi

# go.work must name a Go version at least as new as every module's; the running toolchain's always is.
go_version=$(go env GOVERSION | sed 's/^go//; s/[^0-9.].*$//')
mkdir -p "$out"
cp "$runtime_dir/main/$template.go.tmpl" "$out/main.go"
printf 'module fnmain\n\ngo %s\n' "$go_version" > "$out/go.mod"
{
  printf 'go %s\n\nuse (\n\t.\n\t../..\n\t"%s"\n)\n' "$go_version" "$runtime_dir"
} > "$out/go.work"

cd "$out"
# FN_GO_BUILD_FLAGS: extra `go build` flags, split on spaces (e.g. "-trimpath" in a container build).
# shellcheck disable=SC2086
GOWORK="$out/go.work" GOFLAGS=-buildvcs=false go build ${FN_GO_BUILD_FLAGS:-} -o fn-function . >&2
