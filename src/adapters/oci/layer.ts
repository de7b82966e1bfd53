// One image layer, written reproducibly: a tar (tar-stream) of entries sorted by path, each with the
// same mtime (the epoch), owner root:root and mode 644/755 (folders 755), every parent folder listed,
// gzipped by node:zlib at a fixed level. Same files → same bytes → same digest, whoever builds it and
// whenever. The tar's digest (the diff id, in the image config) and the gzip's (the layer's, in the
// manifest) are computed while writing, straight into the store.
import {createHash} from 'node:crypto';
import {createReadStream, createWriteStream} from 'node:fs';
import {lstat, readFile} from 'node:fs/promises';
import {Transform, type TransformCallback} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {constants, createGzip} from 'node:zlib';
import tarStream from 'tar-stream';
import type {OciStore} from './store.js';

export type LayerEntry =
  | {path: string; type: 'file'; /** the file to read */ source: string; executable?: boolean}
  | {path: string; type: 'file'; content: Buffer | string; executable?: boolean}
  | {path: string; type: 'symlink'; target: string}
  | {path: string; type: 'directory'};

export interface Layer {
  mediaType: string;
  /** sha256 of the gzipped tar. */
  digest: string;
  size: number;
  /** sha256 of the tar (the image config's rootfs.diff_ids). */
  diffId: string;
}

export const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const MTIME = new Date(0);
const GZIP_LEVEL = 6;
/** Files up to this size are read whole; larger ones streamed. */
const READ_WHOLE = 1 << 20;

class Digesting extends Transform {
  private hash = createHash('sha256');
  size = 0;
  _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** Entries with every parent folder added, sorted by path bytes (a stable order on every machine). */
function normalized(entries: LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const entry of entries) {
    const path = entry.path.replace(/^\/+/, '').replace(/\/+$/, '');
    if (!path || path.split('/').some((p) => p === '..' || p === '.' || p === '')) throw new Error(`layer entry path "${entry.path}" is not a clean relative path`);
    byPath.set(path, {...entry, path});
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!byPath.has(dir)) byPath.set(dir, {path: dir, type: 'directory'});
    }
  }
  return [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

function header(entry: LayerEntry, extra: Partial<tarStream.Header>): Partial<tarStream.Header> & {name: string} {
  return {name: entry.path, mtime: MTIME, uid: 0, gid: 0, uname: '', gname: '', ...extra};
}

async function addEntry(pack: tarStream.Pack, entry: LayerEntry): Promise<void> {
  if (entry.type === 'directory') return void pack.entry(header(entry, {name: `${entry.path}/`, type: 'directory', mode: 0o755}));
  if (entry.type === 'symlink') return void pack.entry(header(entry, {type: 'symlink', linkname: entry.target, mode: 0o777}));
  let executable = entry.executable;
  if ('content' in entry) {
    const data = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content);
    return void pack.entry(header(entry, {type: 'file', size: data.length, mode: executable ? 0o755 : 0o644}), data);
  }
  const info = await lstat(entry.source);
  executable ??= (info.mode & 0o111) !== 0;
  const mode = executable ? 0o755 : 0o644;
  if (info.size <= READ_WHOLE) return void pack.entry(header(entry, {type: 'file', size: info.size, mode}), await readFile(entry.source));
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header(entry, {type: 'file', size: info.size, mode}), (e) => (e ? reject(e) : resolve()));
    createReadStream(entry.source).on('error', reject).pipe(sink);
  });
}

/** Writes the layer into the store and returns its descriptor. */
export async function writeLayer(store: OciStore, entries: LayerEntry[]): Promise<Layer> {
  const pack = tarStream.pack();
  const tar = new Digesting();
  const gz = new Digesting();
  const tmp = await store.tempFile();
  const written = pipeline(pack, tar, createGzip({level: GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY}), gz, createWriteStream(tmp));
  try {
    for (const entry of normalized(entries)) await addEntry(pack, entry);
    pack.finalize();
    await written;
  } catch (e) {
    pack.destroy(e as Error);
    await written.catch(() => {});
    throw e;
  }
  const layer = {mediaType: LAYER_GZIP, digest: gz.digest(), size: gz.size, diffId: tar.digest()};
  await store.adoptBlob(tmp, layer.digest);
  return layer;
}
