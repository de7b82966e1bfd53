#!/usr/bin/env node
// Before `fn run`: if the function's package.json lists a dependency that node_modules lacks, run
// `npm install` in the function folder (its output goes to stderr). Nothing to do otherwise, offline.
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

const dir = process.env.FN_FUNCTION_DIR || process.cwd();
const pkgFile = join(dir, 'package.json');
if (!existsSync(pkgFile)) process.exit(0);

let pkg;
try {
  pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
} catch (e) {
  process.stderr.write(`error: ${pkgFile} is not valid JSON: ${e.message}\n`);
  process.exit(2);
}
const missing = Object.keys(pkg.dependencies ?? {}).filter((name) => !existsSync(join(dir, 'node_modules', name, 'package.json')));
if (missing.length === 0) process.exit(0);

process.stderr.write(`Installing npm dependencies (${missing.join(', ')} missing from node_modules)\n`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['install', '--no-audit', '--no-fund'], {cwd: dir, stdio: ['ignore', 2, 2]});
if (result.error) {
  process.stderr.write(`error: could not run npm: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
