// Finds and imports the user's function module and picks out handle() and the optional lifecycle hooks
// (init, shutdown, liveness, readiness), accepting ESM named exports, a default export object or
// function, and CommonJS module.exports.
import {existsSync, readFileSync} from 'node:fs';
import {isAbsolute, join} from 'node:path';
import {pathToFileURL} from 'node:url';

const CANDIDATES = ['index.js', 'index.mjs', 'index.cjs'];

/** FN_ENTRY (relative to the function folder) wins, then package.json "main", then index.js/.mjs/.cjs. */
export function resolveEntry(functionDir, entry) {
  if (entry) {
    const file = isAbsolute(entry) ? entry : join(functionDir, entry);
    if (!existsSync(file)) throw new Error(`FN_ENTRY names ${file}, which does not exist`);
    return file;
  }
  const pkgFile = join(functionDir, 'package.json');
  if (existsSync(pkgFile)) {
    const main = JSON.parse(readFileSync(pkgFile, 'utf8')).main;
    if (typeof main === 'string' && existsSync(join(functionDir, main))) return join(functionDir, main);
  }
  for (const name of CANDIDATES) if (existsSync(join(functionDir, name))) return join(functionDir, name);
  throw new Error(`no function found in ${functionDir}: expected ${CANDIDATES.join(', ')} or package.json "main"`);
}

export async function loadFunction(file) {
  const mod = await import(pathToFileURL(file).href);
  const def = mod.default;
  const pick = (name) => {
    const f = typeof mod[name] === 'function' ? mod[name] : typeof def?.[name] === 'function' ? def[name] : undefined;
    return f && f === def?.[name] ? f.bind(def) : f;
  };
  const handle = pick('handle') ?? (typeof def === 'function' ? def : undefined);
  if (!handle) throw new Error(`${file} does not export a handle function: write \`export function handle(context, body) { ... }\``);
  return {handle, init: pick('init'), shutdown: pick('shutdown'), liveness: pick('liveness'), readiness: pick('readiness')};
}
