// What a build sends to the engine: the function folder's files minus what must never ship
// (dependencies installed in the image, VCS data, fn's own state, secrets; .fnignore may re-include
// one on purpose) and minus the user's .dockerignore / .fnignore, plus fn's generated files (the runtime invoker and the Dockerfile).
// The same list is hashed to decide whether a build can be skipped.
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {lstat, readdir, readFile, readlink} from 'node:fs/promises';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import ignore, {type Ignore} from 'ignore';
import stableStringify from 'fast-json-stable-stringify';

/**
 * Never sent unless .fnignore re-includes it on purpose (gitignore syntax, any depth). The secrets are
 * files whose usual content is a credential, by a name specific enough that source code is not caught
 * (secrets.ts ships; secrets.yaml, a Secret manifest or a SOPS file, does not).
 */
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
  // environment files (dotenv, direnv)
  '.env',
  '.env.*',
  '.envrc',
  // private keys and keystores
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.ppk',
  '*.jks',
  '*.keystore',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.ssh/',
  '.gnupg/',
  // registry, package-index and VCS tokens
  '.docker/',
  '.dockercfg',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  // cloud and cluster credentials
  '.aws/',
  '.azure/',
  '.config/gcloud/',
  '.kube/',
  'kubeconfig',
  'kubeconfig.*',
  '*.kubeconfig',
  '*credentials*.json',
  'service-account*.json',
  '.vault-token',
  // passwords and secrets by name; Terraform state holds its resources' secrets in plain text
  'secrets.y*ml',
  'secret.y*ml',
  'secrets.json',
  '.pgpass',
  '.my.cnf',
  '.htpasswd',
  '*.tfstate',
  '*.tfstate.*',
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

/** The user's ignore files: .dockerignore (Docker's anchoring) and .fnignore (gitignore syntax). */
async function userIgnoreFiles(dir: string): Promise<{dockerignore?: string; fnignore?: string}> {
  return {dockerignore: await readIfExists(join(dir, '.dockerignore')), fnignore: await readIfExists(join(dir, '.fnignore'))};
}

/** The user's ignore rules, both files together, plus `extra`. */
export async function userIgnore(dir: string, extra: string[] = []): Promise<Ignore> {
  const {dockerignore, fnignore} = await userIgnoreFiles(dir);
  const rules = ignore();
  if (dockerignore) rules.add(dockerignoreToGitignore(dockerignore));
  if (fnignore) rules.add(fnignore);
  return rules.add(extra);
}

export interface ContextListing {
  /** Paths relative to the folder, '/'-separated, sorted. */
  files: string[];
  /**
   * Never-shipped paths (ALWAYS_EXCLUDED) that .fnignore re-includes with a `!` rule, sorted; a
   * re-included folder ships whole. As in gitignore, a file inside an excluded folder comes back only
   * with its folder. A .dockerignore negation does not count: `*` then `!*.yaml` there is meant to
   * narrow the context, not to ship secrets.yaml.
   */
  reincluded: string[];
}

/**
 * What of `dir` goes into the context. `extraExcluded` adds gitignore-style patterns (e.g. fn's own
 * `.fn-invoker/` when fn supplies it). Symlinks are listed, never followed.
 */
export async function listContext(dir: string, extraExcluded: string[] = []): Promise<ContextListing> {
  const always = ignore().add(ALWAYS_EXCLUDED);
  const user = await userIgnore(dir, extraExcluded);
  const {fnignore} = await userIgnoreFiles(dir);
  const reincludes = ignore().add(fnignore ?? '');
  const files: string[] = [];
  const reincluded: string[] = [];
  /** Whether `path` ships; `inherited`: a folder above it was re-included. */
  const ships = (path: string, inherited: boolean): {ok: boolean; reincludedHere: boolean} => {
    if (user.ignores(path)) return {ok: false, reincludedHere: false};
    if (inherited || !always.ignores(path)) return {ok: true, reincludedHere: false};
    const back = reincludes.test(path).unignored;
    if (back) reincluded.push(path);
    return {ok: back, reincludedHere: back};
  };
  const walk = async (rel: string, inherited: boolean) => {
    const entries = await readdir(join(dir, rel), {withFileTypes: true});
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        const {ok, reincludedHere} = ships(`${path}/`, inherited);
        if (ok) await walk(path, inherited || reincludedHere);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && ships(path, inherited).ok) {
        files.push(path);
      }
    }
  };
  await walk('', false);
  return {files: files.sort(), reincluded: reincluded.sort()};
}

/** The files of listContext. */
export async function listContextFiles(dir: string, extraExcluded: string[] = []): Promise<string[]> {
  return (await listContext(dir, extraExcluded)).files;
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
