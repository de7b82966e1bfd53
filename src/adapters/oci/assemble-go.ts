// Go images on the host, as runtimes/go/Dockerfile makes them and ko does: one static binary
// (CGO_ENABLED=0, -trimpath, no VCS stamp) per target platform, cross-compiled by the host's go with
// the runtime's own prepare.sh (the same script the Dockerfile runs), as /fn/function on the base.
// The function's context files are copied into a staging folder kept per function, so the build sees
// exactly the files the engine would be sent, and Go's build cache makes a rebuild quick.
import {existsSync} from 'node:fs';
import {cp, mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {FnError} from '../../core/errors.js';
import {formatPlatform} from '../../core/platforms.js';
import {cachedLayer, runTool, type AppLayer, type AssembleRequest} from './assemble.js';
import {sha256} from './store.js';

/** A staging copy of the context's function files; files no longer listed are removed, .fn/ stays. */
async function stage(request: AssembleRequest, files: string[], root: string): Promise<string> {
  const dir = await request.store.workDir('go', sha256(request.dir).slice(0, 32));
  const src = join(dir, 'src');
  const listFile = join(dir, 'synced.json');
  const before: string[] = existsSync(listFile) ? JSON.parse(await readFile(listFile, 'utf8')) : [];
  for (const gone of before.filter((f) => !files.includes(f))) await rm(join(src, gone), {force: true});
  for (const file of files) {
    await mkdir(dirname(join(src, file)), {recursive: true});
    await cp(join(root, file), join(src, file), {verbatimSymlinks: true});
  }
  await writeFile(listFile, JSON.stringify(files));
  return src;
}

export async function assembleGo(request: AssembleRequest): Promise<AppLayer[]> {
  const fn = request.context.sources.find((s) => s.prefix === '');
  const invoker = request.context.sources.find((s) => s.prefix === '.fn-invoker/');
  if (!fn || !invoker) throw new FnError('HOST_BUILD_CONTEXT', 'unexpected', 'the build context has no function or invoker folder');
  const src = await stage(request, fn.files, fn.root);
  const {architecture, variant} = request.platform;
  const env: Record<string, string> = {
    CGO_ENABLED: '0',
    GOOS: request.platform.os,
    GOARCH: architecture,
    FN_FUNCTION_DIR: src,
    FN_TEMPLATE: request.template,
    FN_GO_BUILD_FLAGS: '-trimpath',
    GOFLAGS: '-buildvcs=false',
  };
  if (architecture === 'arm' && variant) env.GOARM = variant.replace(/^v/, '');
  if (architecture === 'amd64' && variant) env.GOAMD64 = variant;
  request.progress.status(`      compiling for ${formatPlatform(request.platform)} (go build, CGO off)`);
  await runTool('sh', [join(invoker.root, 'prepare.sh')], {cwd: src, env, progress: request.progress, what: `compiling the function for ${formatPlatform(request.platform)}`});
  const binary = join(src, '.fn', 'go', 'fn-function');
  // The layer is the binary: a rebuild that compiles to the same bytes reuses it.
  const key = {kind: 'go-binary', binary: sha256(await readFile(binary)), v: 1};
  return [await cachedLayer(request, key, 'COPY --from=build /function/.fn/go/fn-function /fn/function', async () => [{path: 'fn/function', type: 'file', source: binary, executable: true}])];
}
