#!/usr/bin/env node
// fn's entry. CommonJS (bin/package.json), so Node reads it synchronously without starting its ESM
// loader. All of fn, oclif included, is one bundle, dist/fn.cjs (scripts/bundle.mjs): loading it is
// one file instead of ~400, and it is compiled through vm.Script with a V8 code cache kept in the
// user's cache folder, so after the first run V8 deserializes the compiled code instead of parsing
// and compiling it again on every start (Node 20 has no module.enableCompileCache). A cache is
// written once per command, at the end of its first run, for this bundle and this Node; V8 itself
// rejects one that does not match, and then it is written again. FN_NO_CODE_CACHE=1 turns it off.
'use strict';
const {mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync} = require('node:fs');
const Module = require('node:module');
const {dirname, join} = require('node:path');
const vm = require('node:vm');

const root = join(__dirname, '..');
const args = process.argv.slice(2);

// `fn --version` and the root `fn --help`, answered without loading oclif (the help text is rendered
// by oclif itself into dist/root-help.txt by `npm run build`). Every other command runs through oclif.
if (!process.env.FN_NO_FAST_PATH && args.length <= 1) {
  const arg = args[0];
  if (arg === '--version') {
    const {name, version} = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
    process.exit(0);
  }
  if (arg === undefined || arg === '--help' || arg === '-h' || arg === 'help') {
    try {
      process.stdout.write(readFileSync(join(root, 'dist', 'root-help.txt'), 'utf8'));
      process.exit(0);
    } catch {
      // not built with the cached help: let oclif render it
    }
  }
}

const dist = join(root, 'dist');
const cacheDir = process.env.FN_NO_CODE_CACHE
  ? undefined
  : process.env.FN_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(require('node:os').homedir(), '.cache'), 'fn');
const loaded = new Map();

/**
 * Runs dist/NAME.cjs as the CommonJS module it is, compiled with its code cache when there is one:
 * fn.cjs (everything every command needs), and the bundles it asks for (_fnbundle: docker.cjs).
 * The main bundle has one cache per command (its first word): a cache holds the functions the run
 * that wrote it compiled, so the command that happened to run first would otherwise decide it for all.
 */
function loadBundle(name) {
  if (loaded.has(name)) return loaded.get(name).exports;
  const file = join(dist, `${name}.cjs`);
  const stat = statSync(file);
  const command = /^[a-z][a-z-]{0,39}$/.test(args[0] ?? '') ? args[0] : '-';
  const bundleKey = `${name}.cjs-${process.version}-${process.arch}-${stat.size}-${Math.trunc(stat.mtimeMs)}`;
  const cacheName = name === 'fn' ? `${bundleKey}-${command}.v8` : `${bundleKey}.v8`;
  let cachedData;
  if (cacheDir) {
    try {
      cachedData = readFileSync(join(cacheDir, cacheName));
    } catch {
      // first run of this bundle (and command) with this Node
    }
  }
  // ASCII only (scripts/bundle.mjs sees to it): latin1 is its fastest decoding. CommonJS's wrapper,
  // plus the bundle's import() of what it leaves in node_modules (execa, cloudevents, …): Node 20
  // forgets a vm.Script's importModuleDynamically when the script comes from a code cache.
  const source = `(function (exports, require, module, __filename, __dirname, __fn_import, __fn_bundle) {${readFileSync(file, 'latin1')}\n})`;
  const script = new vm.Script(source, {filename: file, cachedData});
  const bundle = new Module(file, module);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(dist);
  // oclif loads its commands from this same file (package.json oclif.commands): it gets this instance.
  Module._cache[file] = bundle;
  loaded.set(name, bundle);
  const run = script.runInThisContext();
  run.call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, dist, (specifier) => import(specifier), (other) => loadBundle(other));
  bundle.loaded = true;
  if (cacheDir && (!cachedData || script.cachedDataRejected)) {
    // At the end, so that the functions this run compiled are in the cache too.
    process.once('exit', () => {
      try {
        mkdirSync(cacheDir, {recursive: true});
        // Caches of other builds (or Node versions) are of no more use.
        for (const old of readdirSync(cacheDir)) if (old.startsWith(`${name}.cjs-`) && !old.startsWith(bundleKey)) rmSync(join(cacheDir, old), {force: true});
        const tmp = join(cacheDir, `${cacheName}.${process.pid}.tmp`);
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, join(cacheDir, cacheName));
      } catch {
        // no writable cache folder: every run compiles, as without the cache
      }
    });
  }
  return bundle.exports;
}

loadBundle('fn').run(root);
