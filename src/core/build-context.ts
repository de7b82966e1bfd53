// What a build sends to the engine: the function folder's files minus what must never ship
// (dependencies installed in the image, VCS data, fn's own state, secrets) and minus the user's
// .dockerignore / .fnignore, plus fn's generated files (the runtime invoker and the Dockerfile).
// The same list is hashed to decide whether a build can be skipped.
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {lstat, readdir, readFile, readlink} from 'node:fs/promises';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import ignore, {type Ignore} from 'ignore';
import stableStringify from 'fast-json-stable-stringify';

/** Never sent, whatever the ignore files say (gitignore syntax, any depth). */
export const ALWAYS_EXCLUDED = [
  // installed inside the image, or fn's and VCS's own state
  'node_modules/',
  '.git/',
  '.hg/',
  '.svn/',
  '.fn/',
  '__pycache__/',
  '.venv/',
  '.DS_Store',
  // secrets
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.ssh/',
  '.aws/',
  '.docker/',
  '.netrc',
  '.npmrc',
  '.pypirc',
];

/** A folder whose listed files go into the context under `prefix` ('' or 'dir/'). */
export interface ContextSource {
  root: string;
  prefix: string;
  /** Paths relative to root, '/'-separated, sorted. */
  files: string[];
}

/** A file fn writes into the context itself (e.g. the generated Dockerfile). */
export interface GeneratedFile {
  name: string;
  content: string;
}

export interface BuildContext {
  sources: ContextSource[];
  generated: GeneratedFile[];
  /** The Dockerfile's path inside the context. */
  dockerfile: string;
}

/**
 * .dockerignore patterns are anchored at the context root (`foo` is only ./foo; `**\/foo` is any
 * depth), while gitignore's `foo` matches at any depth: anchor each pattern for `ignore`.
 */
export function dockerignoreToGitignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = line.replace(/^(\.\/|\/)+/, '');
    if (!line || line === '.') continue;
    out.push(`${negate ? '!' : ''}/${line}`);
  }
  return out;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e: any) {
    if (e?.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The user's ignore rules: .dockerignore (Docker's anchoring) and .fnignore (gitignore syntax). */
export async function userIgnore(dir: string, extra: string[] = []): Promise<Ignore> {
  const rules = ignore();
  const dockerignore = await readIfExists(join(dir, '.dockerignore'));
  if (dockerignore) rules.add(dockerignoreToGitignore(dockerignore));
  const fnignore = await readIfExists(join(dir, '.fnignore'));
  if (fnignore) rules.add(fnignore);
  return rules.add(extra);
}

/**
 * Files of `dir` that go into the context, sorted. `extraExcluded` adds gitignore-style patterns
 * (e.g. fn's own `.fn-invoker/` when fn supplies it). Symlinks are listed, never followed.
 */
export async function listContextFiles(dir: string, extraExcluded: string[] = []): Promise<string[]> {
  const always = ignore().add(ALWAYS_EXCLUDED);
  const user = await userIgnore(dir, extraExcluded);
  const excluded = (path: string) => always.ignores(path) || user.ignores(path);
  const files: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(join(dir, rel), {withFileTypes: true});
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!excluded(`${path}/`)) await walk(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && !excluded(path)) {
        files.push(path);
      }
    }
  };
  await walk('');
  return files.sort();
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * A hash of everything that decides the image: every context file's name, executable bit and
 * content (a symlink's target), the generated files, plus `extra` (build args, base images, platform).
 */
export async function hashBuildInputs(context: BuildContext, extra: Record<string, unknown>): Promise<string> {
  const hash = createHash('sha256');
  const add = (...parts: string[]) => hash.update(parts.join('\0') + '\n');
  for (const source of context.sources) {
    for (const rel of source.files) {
      const file = join(source.root, rel);
      const stat = await lstat(file);
      if (stat.isSymbolicLink()) add('link', source.prefix + rel, await readlink(file));
      else add('file', source.prefix + rel, stat.mode & 0o111 ? 'x' : '-', await hashFile(file));
    }
  }
  for (const file of context.generated) add('generated', file.name, createHash('sha256').update(file.content).digest('hex'));
  add('dockerfile', context.dockerfile);
  add('extra', stableStringify(extra ?? null)); // keys sorted at every level: equal inputs hash the same
  return `sha256:${hash.digest('hex')}`;
}
