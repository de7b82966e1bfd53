#!/usr/bin/env bash
# CLI start-up: `fn --version`, `fn --help` and `fn init` against `node -e 0`, measured in the same run
# with hyperfine (median of repeated runs). Goal: --version and --help ≤ 1.4× node -e 0.
# Usage: bash bench/cli/run.sh   (after npm run build)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
out=$(mktemp -d)
hyperfine -N --warmup 5 --runs 40 --export-json "$out/startup.json" \
  -n 'node -e 0' 'node -e 0' \
  -n 'fn --version' 'node bin/run.js --version' \
  -n 'fn --help' 'node bin/run.js --help' \
  -n 'fn --help (oclif, no fast path)' 'env FN_NO_FAST_PATH=1 node bin/run.js --help' >/dev/null
hyperfine --warmup 2 --runs 15 --export-json "$out/init.json" --prepare "rm -rf $out/f" \
  -n 'fn init (node http)' "CI=true node bin/run.js init $out/f --runtime node --name f" >/dev/null

node - "$out" > "$out/section.md" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const rows = [...JSON.parse(fs.readFileSync(`${dir}/startup.json`)).results, ...JSON.parse(fs.readFileSync(`${dir}/init.json`)).results];
const base = rows[0].median;
const ms = (s) => (s * 1000).toFixed(1);
console.log('## CLI start-up\n');
console.log('Command: `bash bench/cli/run.sh` (hyperfine, 40 runs after 5 warm-ups; `fn init` 15 runs).');
console.log(`Machine: ${require('os').cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.\n`);
console.log('| command | median ms | mean ± σ ms | × node -e 0 | goal |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const goal = /--version|^fn --help$/.test(r.command) ? (r.median / base <= 1.4 ? '≤ 1.4× ✔' : '≤ 1.4× ✘') : '';
  console.log(`| ${r.command} | ${ms(r.median)} | ${ms(r.mean)} ± ${ms(r.stddev)} | ${(r.median / base).toFixed(2)} | ${goal} |`);
}
console.log('\n`--version` and the root `--help` are answered from files written at build time (the help text is');
console.log("rendered by oclif itself during `npm run build`); every other command loads oclif and only that command's module.");
JS
node bench/update-results.mjs cli "$out/section.md"
cat "$out/section.md"
rm -rf "$out"
