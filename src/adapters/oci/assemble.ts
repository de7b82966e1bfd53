// What the runtime assemblers share: the layers they add (each with what made it, and whether it came
// from the cache), the build context as layer entries (the same file list the engine is sent), cached
// layers keyed by their inputs, and host tools run with their output kept for the error.
import {lstat, readlink} from 'node:fs/promises';
import {join} from 'node:path';
import {FnError} from '../../core/errors.js';
import type {BuildContext, ContextSource} from '../../core/build-context.js';
import type {Platform} from '../../core/platforms.js';
import type {Progress} from '../../core/ports.js';
import type {BaseImage} from './base-image.js';
import {writeLayer, type Layer, type LayerEntry} from './layer.js';
import type {OciStore} from './store.js';

export interface AppLayer extends Layer {
  /** The image history's created_by: which Dockerfile step this layer stands for. */
  createdBy: string;
  cached: boolean;
}

export interface AssembleRequest {
  store: OciStore;
  context: BuildContext;
  template: string;
  base: BaseImage;
  platform: Platform;
  progress: Progress;
  /** Rebuild every layer, the cache unused. */
  noCache?: boolean;
  /** The function folder (the context's first source). */
  dir: string;
}

export type Assembler = (request: AssembleRequest) => Promise<AppLayer[]>;

/** The function folder's files and fn's invoker, as in the context, under `into` (e.g. function/). */
export async function contextEntries(sources: ContextSource[], into: string, keep: (path: string) => boolean = () => true): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  for (const source of sources) {
    for (const rel of source.files) {
      const path = source.prefix + rel;
      if (!keep(path)) continue;
      const file = join(source.root, rel);
      const info = await lstat(file);
      out.push(info.isSymbolicLink() ? {path: `${into}${path}`, type: 'symlink', target: await readlink(file)} : {path: `${into}${path}`, type: 'file', source: file});
    }
  }
  return out;
}

/** Every file under `dir` (symlinks kept as links) as entries under `into`. */
export async function treeEntries(dir: string, into: string, skip: (rel: string) => boolean = () => false): Promise<LayerEntry[]> {
  const {readdir} = await import('node:fs/promises');
  const out: LayerEntry[] = [{path: into.replace(/\/$/, ''), type: 'directory'}];
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(dir, rel), {withFileTypes: true})) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip(path)) continue;
      if (entry.isDirectory()) {
        out.push({path: `${into}${path}`, type: 'directory'});
        await walk(path);
      } else if (entry.isSymbolicLink()) out.push({path: `${into}${path}`, type: 'symlink', target: await readlink(join(dir, path))});
      else if (entry.isFile()) out.push({path: `${into}${path}`, type: 'file', source: join(dir, path)});
    }
  };
  await walk('');
  return out;
}

/**
 * The layer cached under `key` (its inputs), or `make`'s, cached for next time. A cached layer whose
 * blob left the store is made again.
 */
export async function cachedLayer(request: AssembleRequest, key: Record<string, unknown>, createdBy: string, make: () => Promise<LayerEntry[]>): Promise<AppLayer> {
  const cacheKey = JSON.stringify(key);
  if (!request.noCache) {
    const hit = await request.store.cached<Layer>('layers', cacheKey);
    if (hit && (await request.store.hasBlob(hit.digest))) return {...hit, createdBy, cached: true};
  }
  const layer = await writeLayer(request.store, await make());
  await request.store.remember('layers', cacheKey, layer);
  return {...layer, createdBy, cached: false};
}

/** The last lines of a tool's output, for an error. */
function tail(text: string, lines = 15): string {
  return text.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-lines).map((l) => `    ${l}`).join('\n');
}

/**
 * Runs a host tool (npm, pip, go) for the build. A tool that is not installed, or that fails, is a
 * build failure naming it, with its last lines; `explain` may turn a known failure into a better error.
 */
export async function runTool(
  command: string,
  args: string[],
  options: {cwd: string; env?: Record<string, string>; progress: Progress; what: string; explain?: (output: string) => FnError | undefined},
): Promise<string> {
  options.progress.detail(`$ ${command} ${args.join(' ')}`);
  // Loaded when a tool runs: a rebuild whose dependency layers are cached runs none.
  const {execa} = await import('execa');
  const r = await execa(command, args, {cwd: options.cwd, env: options.env, extendEnv: true, reject: false, all: true, stdin: 'ignore'});
  const output = String(r.all ?? '');
  for (const line of output.split('\n')) if (line.trim()) options.progress.detail(line);
  if ((r as {code?: string}).code === 'ENOENT' || (r.failed && r.exitCode === undefined && /ENOENT/.test(String(r.message)))) {
    throw new FnError('HOST_TOOL_MISSING', 'buildFailed', `${command} is not installed (or not on PATH): the host builder ${options.what} with it`, {
      suggestion: `install ${command}, or build with the Docker engine (--builder docker)`,
      details: {tool: command},
    });
  }
  if (r.exitCode !== 0) {
    const known = options.explain?.(output);
    if (known) throw known;
    throw new FnError('HOST_BUILD_FAILED', 'buildFailed', `${options.what} failed: ${command} ${args.join(' ')} exited ${r.exitCode}\n${tail(output)}`, {
      suggestion: 'fix the error shown above and build again (--verbose shows all of it)',
      details: {tool: command, exitCode: r.exitCode, lastLines: tail(output).split('\n')},
    });
  }
  return output;
}
