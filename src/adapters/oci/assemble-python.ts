// Python images on the host, the layers of runtimes/python/Dockerfile: a virtual environment in
// /opt/venv for the base image's Python (its pyvenv.cfg and python links, the packages in
// lib/pythonX.Y/site-packages: the invoker's locked server, then requirements.txt, as the invoker's
// prepare.py installs them), then the source. Packages are wheels only, chosen by the host's pip for
// the base image's Python, architecture and libc (`--only-binary=:all: --platform … --python-version …
// --abi …`), never compiled: a requirement with no such wheel is refused by name. No .pyc files are
// written (--no-compile), so the layer is the same bytes on every machine.
import {createGunzip} from 'node:zlib';
import {existsSync} from 'node:fs';
import {readdir, readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import tarStream from 'tar-stream';
import {FnError} from '../../core/errors.js';
import {formatPlatform} from '../../core/platforms.js';
import {cachedLayer, contextEntries, runTool, treeEntries, type AppLayer, type AssembleRequest} from './assemble.js';
import {fetchBlob, type BaseImage} from './base-image.js';
import type {LayerEntry} from './layer.js';
import {RegistryClient} from './registry.js';
import {sha256, type OciStore} from './store.js';

export interface PythonFacts {
  /** Absolute path of the interpreter, e.g. /usr/local/bin/python3.12. */
  python: string;
  /** "3.12" */
  version: string;
  libc?: {kind: 'glibc' | 'musl'; major: number; minor: number};
}

const PYTHON_BIN = /^(usr\/local\/bin|usr\/bin|bin)\/python(3\.\d+)$/;
const GLIBC = /^(usr\/)?lib(64)?\/([a-z0-9_]+-linux-gnu[a-z0-9]*\/)?libc\.so\.6$/;
const MUSL = /^(usr\/)?lib\/ld-musl-[a-z0-9_]+\.so\.1$/;

/** Reads the base image's layers once for its Python (path, version) and libc; cached per image. */
export async function pythonFacts(store: OciStore, base: BaseImage, progress: AssembleRequest['progress']): Promise<PythonFacts> {
  const key = `python-facts:${base.manifestDigest}`;
  const known = await store.cached<PythonFacts>('facts', key);
  if (known) return known;
  progress.status(`      reading ${base.name}'s layers for its Python and libc (once)`);
  const pythons = new Map<string, string>();
  let libc: PythonFacts['libc'];
  const clients = new Map<string, RegistryClient>();
  const client = (registry: string) => {
    if (!clients.has(registry)) clients.set(registry, new RegistryClient(registry, base.name, undefined, store.schemes));
    return clients.get(registry)!;
  };
  for (const layer of base.manifest.layers) {
    await fetchBlob(store, layer.digest, client);
    const extract = tarStream.extract();
    extract.on('entry', (header, stream, next) => {
      const name = header.name.replace(/^\.?\//, '');
      const py = name.match(PYTHON_BIN);
      if (py && (header.type === 'file' || header.type === 'symlink')) pythons.set(`/${py[1]}`, py[2]);
      if (header.type === 'file' && GLIBC.test(name)) {
        const chunks: Buffer[] = [];
        stream.on('data', (c) => void chunks.push(c as Buffer));
        stream.on('end', () => {
          const m = Buffer.concat(chunks).toString('latin1').match(/GNU C Library[^\n]*?version (\d+)\.(\d+)/);
          if (m) libc = {kind: 'glibc', major: Number(m[1]), minor: Number(m[2])};
          next();
        });
        return;
      }
      if (MUSL.test(name)) libc ??= {kind: 'musl', major: 1, minor: 2};
      stream.on('end', () => next());
      stream.resume();
    });
    await pipeline(store.blobStream(layer.digest), createGunzip(), extract);
  }
  // The one the image's PATH finds first.
  const path = (base.config.config?.Env ?? []).find((e) => e.startsWith('PATH='))?.slice(5).split(':') ?? ['/usr/local/bin', '/usr/bin', '/bin'];
  const dir = path.find((d) => pythons.has(d)) ?? [...pythons.keys()][0];
  if (!dir) {
    throw new FnError('BASE_IMAGE_NO_PYTHON', 'buildFailed', `base image ${base.name} has no python3.X in /usr/local/bin, /usr/bin or /bin`, {
      suggestion: 'use a Python base image (--base-image), e.g. python:3.12-slim',
    });
  }
  const version = pythons.get(dir)!;
  const facts: PythonFacts = {python: `${dir}/python${version}`, version, ...(libc ? {libc} : {})};
  await store.remember('facts', key, facts);
  return facts;
}

/** pip's --platform values for the base image: every manylinux (or musllinux) tag its libc runs. */
export function pipPlatforms(facts: PythonFacts, architecture: string): string[] {
  const arch = ({amd64: 'x86_64', arm64: 'aarch64', '386': 'i686', ppc64le: 'ppc64le', s390x: 's390x', arm: 'armv7l'} as Record<string, string>)[architecture] ?? architecture;
  const libc = facts.libc;
  if (!libc) return [`linux_${arch}`];
  if (libc.kind === 'musl') return [`musllinux_${libc.major}_${libc.minor}_${arch}`, ...Array.from({length: libc.minor}, (_, i) => `musllinux_1_${libc.minor - 1 - i}_${arch}`)];
  const out: string[] = [];
  for (let minor = libc.minor; minor >= 17; minor--) out.push(`manylinux_${libc.major}_${minor}_${arch}`);
  out.push(`manylinux2014_${arch}`);
  if (libc.minor >= 12 && (arch === 'x86_64' || arch === 'i686')) out.push(`manylinux2010_${arch}`, `manylinux1_${arch}`);
  return out;
}

/** Requirement lines that name something (comments and blank lines do not). */
async function hasRequirements(file: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  return (await readFile(file, 'utf8')).split('\n').some((line) => line.replace(/(^|\s)#.*$/, '').trim());
}

/** pip's "no matching distribution" (or a wheel for another platform) as the requirement it names. */
function explainPip(output: string, target: string): FnError | undefined {
  const wheel = output.match(/(\S+\.whl) is not a supported wheel on this platform/);
  if (wheel) {
    const file = wheel[1].split('/').pop()!;
    return new FnError('NO_WHEEL', 'buildFailed', `requirement ${file.split('-')[0]} is the wheel ${file}, which is not for ${target}: the host builder installs only wheels that run on the base image`, {
      suggestion: 'use a wheel for this Python and platform (or a pure-Python one), or build with the Docker engine (--builder docker)',
      details: {requirement: file.split('-')[0], wheel: file},
    });
  }
  const m = output.match(/No matching distribution found for ([^\s]+)/) ?? output.match(/Could not find a version that satisfies the requirement ([^\s]+)/);
  if (!m) return undefined;
  return new FnError('NO_WHEEL', 'buildFailed', `requirement ${m[1]} has no wheel for ${target}: the host builder installs wheels only and compiles nothing`, {
    suggestion: 'build with the Docker engine (--builder docker), which can compile it in the builder image; or pin a version that publishes a wheel for this Python and platform',
    details: {requirement: m[1]},
  });
}

/** The invoker's prepare.py turns its lock files into constraints (pins without hashes): its rule, run as it is. */
const WRITE_PINS = 'import sys; sys.path.insert(0, "."); import prepare; open(sys.argv[1], "w").write("\\n".join(p for lock in sys.argv[2:] for p in prepare.pins(lock)) + "\\n")';

export async function assemblePython(request: AssembleRequest): Promise<AppLayer[]> {
  const fn = request.context.sources.find((s) => s.prefix === '');
  const invoker = request.context.sources.find((s) => s.prefix === '.fn-invoker/');
  if (!fn || !invoker) throw new FnError('HOST_BUILD_CONTEXT', 'unexpected', 'the build context has no function or invoker folder');
  const facts = await pythonFacts(request.store, request.base, request.progress);
  // As prepare.py installs them: the invoker's server (and the CloudEvents SDK for cloudevents
  // functions) from fn's lock files with their hashes, then requirements.txt held to those versions.
  const locks = ['server.txt', ...(request.template === 'cloudevents' ? ['cloudevents.txt'] : [])].map((f) => join(invoker.root, 'requirements', f));
  const requirements = fn.files.includes('requirements.txt') ? join(fn.root, 'requirements.txt') : undefined;
  const inputs = [...locks, ...(requirements ? [requirements] : [])];
  const key = {kind: 'python-venv', files: await Promise.all(inputs.map(async (f) => sha256(await readFile(f)))), facts, platform: formatPlatform(request.platform), v: 2};
  const venv = await cachedLayer(request, key, 'COPY --from=deps /opt/venv /opt/venv', async () => {
    const stage = await request.store.workDir('python', sha256(JSON.stringify(key)).slice(0, 32));
    const target = join(stage, 'site-packages');
    await rm(target, {recursive: true, force: true});
    const abi = `cp${facts.version.replace('.', '')}`;
    const where = `Python ${facts.version} on ${formatPlatform(request.platform)}${facts.libc ? ` (${facts.libc.kind} ${facts.libc.major}.${facts.libc.minor})` : ''}`;
    const platforms = pipPlatforms(facts, request.platform.architecture).flatMap((p) => ['--platform', p]);
    const pip = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-compile', '--no-warn-script-location', '--only-binary=:all:', ...platforms, '--python-version', facts.version, '--implementation', 'cp', '--abi', abi, '--target', target];
    const env = {PIP_ROOT_USER_ACTION: 'ignore'};
    request.progress.status(`      installing the invoker's server for ${where} (pip, wheels only, fn's lock files)`);
    await runTool('python3', [...pip, '--require-hashes', ...locks.flatMap((l) => ['-r', l])], {cwd: stage, env, progress: request.progress, what: "installing the invoker's server", explain: (out) => explainPip(out, where)});
    if (requirements && (await hasRequirements(requirements))) {
      request.progress.status(`      installing requirements.txt for ${where} (pip, wheels only)`);
      const constraints = join(stage, 'constraints.txt');
      await runTool('python3', ['-c', WRITE_PINS, constraints, ...locks], {cwd: invoker.root, progress: request.progress, what: "reading the invoker's lock files"});
      await runTool('python3', [...pip, '-r', requirements, '-c', constraints], {cwd: fn.root, env, progress: request.progress, what: 'installing the Python requirements', explain: (out) => explainPip(out, where)});
    }
    return venvEntries(facts, target);
  });
  const {writeLayer} = await import('./layer.js');
  const source = {...(await writeLayer(request.store, [{path: 'function', type: 'directory'}, ...(await contextEntries([fn, invoker], 'function/'))])), createdBy: 'COPY . ./', cached: false};
  return [venv, source];
}

/** /opt/venv as `python -m venv` lays it out, with pip's --target folder as its site-packages. */
async function venvEntries(facts: PythonFacts, target: string): Promise<LayerEntry[]> {
  const lib = `opt/venv/lib/python${facts.version}/site-packages/`;
  const home = facts.python.slice(0, facts.python.lastIndexOf('/'));
  const entries: LayerEntry[] = [
    {path: 'opt/venv/pyvenv.cfg', type: 'file', content: `home = ${home}\ninclude-system-site-packages = false\nversion = ${facts.version}\n`},
    {path: 'opt/venv/bin/python', type: 'symlink', target: facts.python},
    {path: 'opt/venv/bin/python3', type: 'symlink', target: 'python'},
    {path: `opt/venv/bin/python${facts.version}`, type: 'symlink', target: 'python'},
    {path: 'opt/venv/lib64', type: 'symlink', target: 'lib'},
    {path: lib.replace(/\/$/, ''), type: 'directory'},
  ];
  if (!existsSync(target)) return entries;
  entries.push(...(await treeEntries(target, lib, (rel) => rel === 'bin' || rel.startsWith('bin/'))).slice(1));
  // Console scripts: pip wrote them for this machine's python; in the image they run the venv's.
  const bin = join(target, 'bin');
  for (const name of existsSync(bin) ? (await readdir(bin)).sort() : []) {
    const text = await readFile(join(bin, name));
    const fixed = text.subarray(0, 2).toString() === '#!' && text.includes(10) ? Buffer.concat([Buffer.from('#!/opt/venv/bin/python'), text.subarray(text.indexOf('\n'))]) : text;
    entries.push({path: `opt/venv/bin/${name}`, type: 'file', content: fixed, executable: true});
  }
  return entries;
}
