// The host builder's local store, under $FN_CACHE_DIR (default $XDG_CACHE_HOME/fn, else ~/.cache/fn):
//   oci/blobs/sha256/<hex>   blobs by digest (layers, configs, manifests), written whole or not at all
//   oci/refs/<sha256(name)>  an image name → the digest fn build gave it (what fn build --push pushes)
//   oci/sources/<hex>        registries and repositories a blob is known to be in (for cross-repository
//                            mounts, and to fetch a base layer only when a push needs it)
//   layers/<key>             a layer's cache key (its inputs' hash) → the layer it made
//   facts/<key>              what was learnt about a base image (Python's version and path, the libc)
//   work/                    staging folders (dependency installs, Go builds), kept for the next build
import {createHash, randomBytes} from 'node:crypto';
import {createReadStream, existsSync} from 'node:fs';
import {mkdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {dirname, join} from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FN_CACHE_DIR) return env.FN_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fn');
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: {os: string; architecture: string; variant?: string};
  annotations?: Record<string, string>;
}

export interface BlobSource {
  registry: string;
  repository: string;
}

/** A temp name next to `file`: rename() onto it is atomic, so readers never see half a file. */
export function tempPath(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(file), {recursive: true});
  const tmp = tempPath(file);
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export class OciStore {
  constructor(readonly root: string = cacheRoot()) {}

  blobPath(digest: string): string {
    return join(this.root, 'oci', 'blobs', ...digest.split(':'));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return existsSync(this.blobPath(digest));
  }

  /** Stores bytes under their digest; returns the descriptor. */
  async putBlob(data: Buffer | string, mediaType: string): Promise<Descriptor> {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = `sha256:${sha256(bytes)}`;
    const file = this.blobPath(digest);
    if (!existsSync(file)) await writeAtomic(file, bytes);
    return {mediaType, digest, size: bytes.length};
  }

  /** Moves a finished temp file in as the blob `digest` (the caller computed it while writing). */
  async adoptBlob(tmp: string, digest: string): Promise<void> {
    const file = this.blobPath(digest);
    await mkdir(dirname(file), {recursive: true});
    if (existsSync(file)) await rm(tmp, {force: true});
    else await rename(tmp, file);
  }

  /** A temp file inside the store (same file system as the blobs, for adoptBlob's rename). */
  async tempFile(): Promise<string> {
    const dir = join(this.root, 'oci', 'tmp');
    await mkdir(dir, {recursive: true});
    return tempPath(join(dir, 'blob'));
  }

  readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  blobStream(digest: string) {
    return createReadStream(this.blobPath(digest));
  }

  async blobSize(digest: string): Promise<number> {
    return (await stat(this.blobPath(digest))).size;
  }

  async readJsonBlob<T>(digest: string): Promise<T> {
    return JSON.parse((await this.readBlob(digest)).toString('utf8')) as T;
  }

  // ---- image names -------------------------------------------------------------------------------

  private refPath(image: string): string {
    return join(this.root, 'oci', 'refs', sha256(image));
  }

  async setRef(image: string, descriptor: Descriptor): Promise<void> {
    await writeAtomic(this.refPath(image), JSON.stringify({image, ...descriptor}));
  }

  async ref(image: string): Promise<Descriptor | undefined> {
    const ref = await readJson<Descriptor & {image: string}>(this.refPath(image));
    return ref?.image === image ? {mediaType: ref.mediaType, digest: ref.digest, size: ref.size} : undefined;
  }

  // ---- where blobs can be had --------------------------------------------------------------------

  private sourcesPath(digest: string): string {
    return join(this.root, 'oci', 'sources', digest.replace(':', '-'));
  }

  async sources(digest: string): Promise<BlobSource[]> {
    return (await readJson<BlobSource[]>(this.sourcesPath(digest))) ?? [];
  }

  async addSource(digests: string[], source: BlobSource): Promise<void> {
    for (const digest of digests) {
      const known = await this.sources(digest);
      if (known.some((s) => s.registry === source.registry && s.repository === source.repository)) continue;
      // Newest first, a handful kept: enough to find one to mount from.
      await writeAtomic(this.sourcesPath(digest), JSON.stringify([source, ...known].slice(0, 8)));
    }
  }

  // ---- caches of derived things ------------------------------------------------------------------

  async cached<T>(kind: 'layers' | 'facts', key: string): Promise<T | undefined> {
    return readJson<T>(join(this.root, kind, sha256(key)));
  }

  async remember(kind: 'layers' | 'facts', key: string, value: unknown): Promise<void> {
    await writeAtomic(join(this.root, kind, sha256(key)), JSON.stringify(value));
  }

  /** Which scheme each registry spoke last (RegistryClient's `schemes`). */
  readonly schemes = {
    get: async (registry: string) => (await this.cached<{scheme: string}>('facts', `scheme:${registry}`))?.scheme || undefined,
    set: (registry: string, scheme: string) => this.remember('facts', `scheme:${registry}`, {scheme}),
  };

  /** A staging folder that stays for the next build (installs and compiles reuse it). */
  async workDir(...parts: string[]): Promise<string> {
    const dir = join(this.root, 'work', ...parts);
    await mkdir(dir, {recursive: true});
    return dir;
  }
}
