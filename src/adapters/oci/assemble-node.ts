// Node.js and TypeScript images on the host, the layers of runtimes/node/Dockerfile (and typescript's)
// in its order: the function's production dependencies (/function/node_modules), the invoker's
// (/function/.fn-invoker/node_modules), then the source (TypeScript: package.json and the compiled
// dist/ only). Dependencies are installed by the host's npm for the target (`--os`/`--cpu`), with
// install scripts off: a script would build or download for this machine, not the image. A package
// that needs one to work — a native addon compiled at install time (binding.gyp), or compiled addons
// (.node) for another platform only — is refused by name; prebuilt addons for the target
// (prebuilds/<os>-<arch>/, or a platform package like @esbuild/linux-x64) are fine.
import {existsSync} from 'node:fs';
import {cp, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {FnError} from '../../core/errors.js';
import {formatPlatform, type Platform} from '../../core/platforms.js';
import {cachedLayer, contextEntries, runTool, treeEntries, type AppLayer, type AssembleRequest} from './assemble.js';
import {sha256} from './store.js';

const LOCKS = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json'];
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/** OCI architecture → npm's cpu (process.arch names). */
function npmCpu(platform: Platform): string {
  return ({amd64: 'x64', arm64: 'arm64', arm: 'arm', '386': 'ia32', ppc64le: 'ppc64', s390x: 's390x', riscv64: 'riscv64'} as Record<string, string>)[platform.architecture] ?? platform.architecture;
}

export interface NativeAddon {
  name: string;
  path: string;
  why: string;
}

/** Packages under node_modules whose native code would not run on `platform` (none when all is JavaScript or prebuilt for it). */
export async function nativeAddons(nodeModules: string, platform: Platform): Promise<NativeAddon[]> {
  const target = `${platform.os}-${npmCpu(platform)}`;
  const out: NativeAddon[] = [];
  const nodeFiles = async (dir: string, rel = ''): Promise<string[]> => {
    const found: string[] = [];
    for (const entry of await readdir(join(dir, rel), {withFileTypes: true}).catch(() => [])) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== 'node_modules') found.push(...(await nodeFiles(dir, path)));
      else if (entry.isFile() && entry.name.endsWith('.node')) found.push(path);
    }
    return found;
  };
  const visitPackage = async (dir: string, shown: string) => {
    let pkg: {name?: string; os?: string[]; cpu?: string[]};
    try {
      pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    } catch {
      return;
    }
    const name = pkg.name ?? shown;
    const forTarget = (!pkg.os || pkg.os.includes(platform.os)) && (!pkg.cpu || pkg.cpu.includes(npmCpu(platform)));
    const declaresPlatform = Boolean(pkg.os || pkg.cpu);
    const prebuiltForTarget = existsSync(join(dir, 'prebuilds', target));
    const addons = await nodeFiles(dir);
    if (declaresPlatform && !forTarget) out.push({name, path: shown, why: `it is built for ${[pkg.os?.join('|'), pkg.cpu?.join('|')].filter(Boolean).join(' ')} only`});
    else if (existsSync(join(dir, 'binding.gyp')) && !prebuiltForTarget) out.push({name, path: shown, why: 'its native addon is compiled at install time (binding.gyp), for the machine that installs it'});
    else {
      const foreign = addons.filter((f) => !(declaresPlatform && forTarget) && !(prebuiltForTarget && f.startsWith('prebuilds/')));
      if (foreign.length) {
        const prebuilt = await readdir(join(dir, 'prebuilds')).catch(() => [] as string[]);
        const why = prebuilt.length ? `its prebuilt addons are for ${prebuilt.sort().join(', ')}, not ${target}` : `it ships a compiled addon (${foreign[0]}) that is not for ${target}`;
        out.push({name, path: shown, why});
      }
    }
    await visitModules(join(dir, 'node_modules'), `${shown}/node_modules`);
  };
  const visitModules = async (dir: string, shown: string) => {
    for (const entry of await readdir(dir, {withFileTypes: true}).catch(() => [])) {
      if (entry.name.startsWith('.') || !entry.isDirectory()) continue;
      if (entry.name.startsWith('@')) {
        for (const scoped of await readdir(join(dir, entry.name), {withFileTypes: true}).catch(() => [])) {
          if (scoped.isDirectory()) await visitPackage(join(dir, entry.name, scoped.name), `${shown}/${entry.name}/${scoped.name}`);
        }
      } else await visitPackage(join(dir, entry.name), `${shown}/${entry.name}`);
    }
  };
  await visitModules(nodeModules, 'node_modules');
  return out;
}

function refuseNative(addons: NativeAddon[], platform: Platform, base: string, whose: string): void {
  if (!addons.length) return;
  const list = addons.map((a) => `${a.name} (${a.path}): ${a.why}`);
  throw new FnError('NATIVE_DEPENDENCY', 'buildFailed', `${whose} ${addons.length === 1 ? 'dependency' : 'dependencies'} ${addons.map((a) => a.name).join(', ')} would not run on ${base} (${formatPlatform(platform)}):\n${list.map((l) => `    ${l}`).join('\n')}`, {
    suggestion: 'build with the Docker engine (--builder docker), which compiles native addons in the builder image; or use a pure-JavaScript alternative',
    details: {packages: addons},
  });
}

/** Installs production dependencies from the lock files in `from` (names relative to it) into a staging folder. */
async function installProduction(request: AssembleRequest, files: Record<string, string>, kind: string, whose: string): Promise<{dir: string; key: Record<string, unknown>}> {
  const hashes = Object.fromEntries(await Promise.all(Object.entries(files).map(async ([name, file]) => [name, sha256(await readFile(file))])));
  const key = {kind, files: hashes, platform: formatPlatform(request.platform), v: 1};
  const dir = await request.store.workDir(kind, sha256(JSON.stringify(key)).slice(0, 32));
  return {dir, key: {...key, whose}};
}

async function npmInstall(request: AssembleRequest, dir: string, files: Record<string, string>, options: {production: boolean; scripts: boolean; what: string}): Promise<void> {
  await rm(join(dir, 'node_modules'), {recursive: true, force: true});
  for (const name of LOCKS) await rm(join(dir, name), {force: true});
  for (const [name, file] of Object.entries(files)) await cp(file, join(dir, name));
  const locked = 'package-lock.json' in files || 'npm-shrinkwrap.json' in files;
  const args = [locked ? 'ci' : 'install', ...(options.production ? ['--omit=dev'] : []), ...(options.scripts ? [] : ['--ignore-scripts']), ...NPM_QUIET];
  if (options.production) args.push(`--os=${request.platform.os}`, `--cpu=${npmCpu(request.platform)}`);
  await runTool('npm', args, {cwd: dir, progress: request.progress, what: options.what, env: {npm_config_update_notifier: 'false'}});
  await mkdir(join(dir, 'node_modules'), {recursive: true});
}

/** The production node_modules of the lock files `files` (name → path), as a layer under `into`. */
async function dependencyLayer(request: AssembleRequest, files: Record<string, string>, kind: string, into: string, whose: string, createdBy: string): Promise<AppLayer> {
  const {dir, key} = await installProduction(request, files, kind, whose);
  return cachedLayer(request, key, createdBy, async () => {
    request.progress.status(`      installing ${whose} production dependencies for ${formatPlatform(request.platform)} (npm)`);
    await npmInstall(request, dir, files, {production: true, scripts: false, what: `installing ${whose} dependencies`});
    refuseNative(await nativeAddons(join(dir, 'node_modules'), request.platform), request.platform, request.base.name, whose === "the function's" ? "the function's" : whose);
    return treeEntries(join(dir, 'node_modules'), into);
  });
}

/** The lock files of a source that are in the context: name → path. */
function lockFiles(root: string, listed: string[]): Record<string, string> {
  return Object.fromEntries(LOCKS.filter((name) => listed.includes(name)).map((name) => [name, join(root, name)]));
}

function sources(request: AssembleRequest) {
  const fn = request.context.sources.find((s) => s.prefix === '');
  const invoker = request.context.sources.find((s) => s.prefix === '.fn-invoker/');
  if (!fn || !invoker) throw new FnError('HOST_BUILD_CONTEXT', 'unexpected', 'the build context has no function or invoker folder');
  return {fn, invoker};
}

async function commonLayers(request: AssembleRequest): Promise<AppLayer[]> {
  const {fn, invoker} = sources(request);
  return [
    await dependencyLayer(request, lockFiles(fn.root, fn.files), 'node-deps', 'function/node_modules/', "the function's", 'COPY --from=deps /function/node_modules ./node_modules'),
    await dependencyLayer(request, lockFiles(invoker.root, invoker.files), 'node-invoker', 'function/.fn-invoker/node_modules/', "fn's invoker's", 'COPY --from=invoker /function/.fn-invoker/node_modules ./.fn-invoker/node_modules'),
  ];
}

export async function assembleNode(request: AssembleRequest): Promise<AppLayer[]> {
  const layers = await commonLayers(request);
  const {fn, invoker} = sources(request);
  const entries = [{path: 'function', type: 'directory' as const}, ...(await contextEntries([fn, invoker], 'function/'))];
  const {writeLayer} = await import('./layer.js');
  layers.push({...(await writeLayer(request.store, entries)), createdBy: 'COPY . ./', cached: false});
  return layers;
}

/**
 * TypeScript: compiled on the host in a staging copy of the context (kept between builds, so only a
 * changed lock reinstalls the compile-time dependencies), with `npm run build`, as the Dockerfile's
 * build stage does; the image gets package.json and dist/.
 */
export async function assembleTypescript(request: AssembleRequest): Promise<AppLayer[]> {
  const layers = await commonLayers(request);
  const {fn, invoker} = sources(request);
  const stage = await request.store.workDir('typescript', sha256(request.dir).slice(0, 32));
  const src = join(stage, 'src');
  // The context's files, and no others: files no longer listed are removed (node_modules and dist stay).
  const listFile = join(stage, 'synced.json');
  const before: string[] = existsSync(listFile) ? JSON.parse(await readFile(listFile, 'utf8')) : [];
  for (const gone of before.filter((f) => !fn.files.includes(f))) await rm(join(src, gone), {force: true});
  for (const file of fn.files) {
    await mkdir(dirname(join(src, file)), {recursive: true});
    await cp(join(fn.root, file), join(src, file), {verbatimSymlinks: true});
  }
  await writeFile(listFile, JSON.stringify(fn.files));
  const locks = lockFiles(fn.root, fn.files);
  const depsKey = sha256(JSON.stringify(await Promise.all(Object.values(locks).map((f) => readFile(f, 'utf8')))));
  const marker = join(stage, 'deps.sha256');
  if (request.noCache || !existsSync(join(src, 'node_modules')) || (existsSync(marker) ? await readFile(marker, 'utf8') : '') !== depsKey) {
    request.progress.status('      installing the compile-time dependencies (npm)');
    const args = ['package-lock.json' in locks || 'npm-shrinkwrap.json' in locks ? 'ci' : 'install', ...NPM_QUIET];
    await runTool('npm', args, {cwd: src, progress: request.progress, what: 'installing the dependencies to compile with', env: {npm_config_update_notifier: 'false'}});
    await writeFile(marker, depsKey);
  }
  await rm(join(src, 'dist'), {recursive: true, force: true});
  await runTool('npm', ['run', 'build'], {cwd: src, progress: request.progress, what: 'compiling the function (npm run build)', env: {npm_config_update_notifier: 'false'}});
  if (!existsSync(join(src, 'dist'))) {
    throw new FnError('HOST_BUILD_FAILED', 'buildFailed', '`npm run build` made no dist/ folder: the TypeScript image runs dist/', {suggestion: 'set compilerOptions.outDir to "dist" in tsconfig.json'});
  }
  const {writeLayer} = await import('./layer.js');
  const entries = [
    {path: 'function', type: 'directory' as const},
    {path: 'function/package.json', type: 'file' as const, source: join(src, 'package.json')},
    ...(await treeEntries(join(src, 'dist'), 'function/dist/')),
    ...(await contextEntries([invoker], 'function/')),
  ];
  layers.push({...(await writeLayer(request.store, entries)), createdBy: 'COPY .fn-invoker/, package.json and dist/', cached: false});
  return layers;
}
