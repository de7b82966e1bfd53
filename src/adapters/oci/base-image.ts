// The base image of a host build: its manifest for each target platform (picked from its index, or its
// one manifest when its platform is the one asked for) and its config, read from its registry and kept
// in the store. Its layers are not downloaded: the push mounts or skips them, and fetches one only
// when the target registry needs it and cannot mount it (fetchBlob).
import {createHash} from 'node:crypto';
import {createWriteStream} from 'node:fs';
import {rm} from 'node:fs/promises';
import {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {FnError} from '../../core/errors.js';
import {parseImageRef, type ImageRef} from '../../core/image-ref.js';
import {formatPlatform, ociArchitecture, samePlatform, type Platform} from '../../core/platforms.js';
import {isIndex, MEDIA, RegistryClient} from './registry.js';
import type {Descriptor, OciStore} from './store.js';

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: {Env?: string[]; User?: string; WorkingDir?: string; Cmd?: string[] | null; Entrypoint?: string[] | null; ExposedPorts?: Record<string, object>; Labels?: Record<string, string>; [k: string]: unknown};
  rootfs: {type: string; diff_ids: string[]};
  history?: Array<{created?: string; created_by?: string; comment?: string; empty_layer?: boolean}>;
  [k: string]: unknown;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface BaseImage {
  name: string;
  ref: ImageRef;
  platform: Platform;
  manifestDigest: string;
  manifest: Manifest;
  config: ImageConfig;
  /** Docker's media types (schema 2) or OCI's: the image built on it keeps the same family. */
  family: 'docker' | 'oci';
}

/** The platform fn builds for when none is named: linux on this machine's architecture. */
export function hostPlatform(): Platform {
  return {os: 'linux', architecture: ociArchitecture(process.arch) ?? process.arch};
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of Readable.fromWeb(stream as import('node:stream/web').ReadableStream)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Downloads one blob into the store from `client`, checking its digest; a mismatch stores nothing. */
export async function downloadBlob(store: OciStore, client: RegistryClient, repository: string, digest: string): Promise<void> {
  if (await store.hasBlob(digest)) return;
  const tmp = await store.tempFile();
  const hash = createHash('sha256');
  try {
    const body = Readable.fromWeb((await client.blob(repository, digest)) as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, createWriteStream(tmp));
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== digest) throw new FnError('BLOB_DIGEST_MISMATCH', 'registry', `${client.registry}/${repository} sent a blob with digest ${got} for ${digest}`, {suggestion: 'build again; if it repeats, the registry is corrupt'});
    await store.adoptBlob(tmp, digest);
  } catch (e) {
    await rm(tmp, {force: true});
    throw e;
  }
}

/** Makes sure the store has blob `digest`, downloading it from a registry the store knows has it. */
export async function fetchBlob(store: OciStore, digest: string, clients: (registry: string) => RegistryClient): Promise<void> {
  if (await store.hasBlob(digest)) return;
  const sources = await store.sources(digest);
  let last: unknown;
  for (const source of sources) {
    try {
      return await downloadBlob(store, clients(source.registry), source.repository, digest);
    } catch (e) {
      last = e;
    }
  }
  if (last) throw last;
  throw new FnError('BLOB_UNKNOWN', 'unexpected', `the store has no copy of ${digest} and knows no registry that has it`, {suggestion: 'build again with --no-cache'});
}

async function jsonBlob<T>(store: OciStore, client: RegistryClient, repository: string, digest: string): Promise<T> {
  if (!(await store.hasBlob(digest))) {
    const bytes = await readAll(await client.blob(repository, digest));
    const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (got !== digest) throw new FnError('BLOB_DIGEST_MISMATCH', 'registry', `${client.registry}/${repository} sent ${got} for ${digest}`);
    await store.putBlob(bytes, 'application/octet-stream');
  }
  return store.readJsonBlob<T>(digest);
}

function notFound(name: string, why: string): FnError {
  return new FnError('BASE_IMAGE_NOT_FOUND', 'buildFailed', `base image ${name} was not found (${why})`, {
    suggestion: 'check the name and tag, or set another with --base-image (fn.yaml build.baseImage)',
    details: {image: name},
  });
}

/**
 * The base image for each platform in `platforms` (undefined: the base's own platform when it has one
 * manifest, else this machine's). An index gives one manifest per platform; a single-platform base
 * serves only its own platform, and asking for another is an error that names what it has.
 */
export async function resolveBase(store: OciStore, name: string, platforms: Platform[] | undefined, client: RegistryClient): Promise<BaseImage[]> {
  const ref = parseImageRef(name, 'base image');
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const top = await client.manifest(ref.repository, reference);
  if (!top) throw notFound(name, `${ref.registry} has no ${ref.repository}:${reference}`);
  await store.putBlob(top.bytes, top.mediaType);
  const source = {registry: ref.registry, repository: ref.repository};
  const one = async (digest: string, bytes: Buffer, mediaType: string): Promise<Omit<BaseImage, 'platform'> & {platform: Platform}> => {
    const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
    if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw notFound(name, `${digest} is not an image manifest (${mediaType})`);
    const config = await jsonBlob<ImageConfig>(store, client, ref.repository, manifest.config.digest);
    await store.addSource([manifest.config.digest, ...manifest.layers.map((l) => l.digest)], source);
    const platform: Platform = {os: config.os, architecture: config.architecture, ...(config.variant ? {variant: config.variant} : {})};
    return {name, ref, platform, manifestDigest: digest, manifest: {...manifest, mediaType: manifest.mediaType ?? mediaType}, config, family: mediaType === MEDIA.dockerManifest ? 'docker' : 'oci'};
  };
  if (!isIndex(top.mediaType)) {
    const image = await one(top.digest, top.bytes, top.mediaType);
    const wanted = platforms ?? [image.platform];
    const other = wanted.find((p) => !samePlatform(p, image.platform));
    if (other) {
      throw new FnError('BASE_IMAGE_PLATFORM', 'buildFailed', `base image ${name} is for ${formatPlatform(image.platform)} only, not ${formatPlatform(other)}`, {
        suggestion: `use a base image with an index for ${wanted.map(formatPlatform).join(', ')} (--base-image), or build for ${formatPlatform(image.platform)}`,
        details: {image: name, has: [formatPlatform(image.platform)]},
      });
    }
    return [image];
  }
  const index = JSON.parse(top.bytes.toString('utf8')) as {manifests: Descriptor[]};
  const entries = index.manifests.filter((m) => m.platform && m.platform.os !== 'unknown');
  const out: BaseImage[] = [];
  for (const platform of platforms ?? [hostPlatform()]) {
    const entry = entries.find((m) => samePlatform(m.platform!, platform));
    if (!entry) {
      throw new FnError('BASE_IMAGE_PLATFORM', 'buildFailed', `base image ${name} has no ${formatPlatform(platform)} image (it has ${entries.map((m) => formatPlatform(m.platform!)).join(', ') || 'none'})`, {
        suggestion: 'build for a platform it has (--platform), or choose another base image (--base-image)',
        details: {image: name, has: entries.map((m) => formatPlatform(m.platform!))},
      });
    }
    const child = await client.manifest(ref.repository, entry.digest);
    if (!child) throw notFound(name, `its index names ${entry.digest}, which ${ref.registry} does not have`);
    await store.putBlob(child.bytes, child.mediaType);
    out.push({...(await one(child.digest, child.bytes, child.mediaType)), platform});
  }
  return out;
}
