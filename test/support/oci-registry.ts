// The test registries' own API (the distribution spec), read the way a user would check a push:
// manifests and indexes by digest, blobs; and a multi-platform base image made from a single-platform
// one whose layers hold no executables (the static base: certificates, zoneinfo, passwd), so that it is
// true for every architecture.
import {createHash} from 'node:crypto';
import {gunzipSync} from 'node:zlib';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function split(image: string): {registry: string; repository: string; reference: string} {
  const m = image.match(/^([^/]+)\/(.+?)(?:@(sha256:[0-9a-f]{64})|:([\w][\w.-]*))?$/);
  if (!m) throw new Error(`not an image reference: ${image}`);
  return {registry: m[1], repository: m[2], reference: m[3] ?? m[4] ?? 'latest'};
}

function base(registry: string): string {
  return registry.endsWith(':5000') ? `http://${registry}` : `https://${registry}`;
}

export async function manifestOf(image: string, auth?: string): Promise<{mediaType: string; digest: string; json: any}> {
  const {registry, repository, reference} = split(image);
  const res = await fetch(`${base(registry)}/v2/${repository}/manifests/${reference}`, {headers: {accept: ACCEPT, ...(auth ? {authorization: `Basic ${auth}`} : {})}});
  if (!res.ok) throw new Error(`GET manifest ${image}: ${res.status} ${await res.text()}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = JSON.parse(bytes.toString('utf8'));
  return {mediaType: json.mediaType ?? res.headers.get('content-type'), digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, json};
}

export async function blobOf(registry: string, repository: string, digest: string): Promise<Buffer> {
  const res = await fetch(`${base(registry)}/v2/${repository}/blobs/${digest}`);
  if (!res.ok) throw new Error(`GET blob ${digest}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The bytes of one file in a gzipped layer tar (a plain ustar reader: names under 100 bytes). */
export function fileInLayer(layer: Buffer, path: string): Buffer | undefined {
  const tar = gunzipSync(layer);
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.subarray(at, at + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) return undefined;
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    if (name === path) return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** ELF e_machine → architecture (the binaries fn builds for Go). */
export function elfArchitecture(binary: Buffer): string {
  const machine = binary.readUInt16LE(18);
  return ({0x3e: 'amd64', 0xb7: 'arm64', 0x28: 'arm', 0x03: '386'} as Record<number, string>)[machine] ?? `machine 0x${machine.toString(16)}`;
}

async function put(url: string, body: Buffer, contentType: string): Promise<void> {
  const res = await fetch(url, {method: 'PUT', headers: {'content-type': contentType}, body});
  if (res.status !== 201) throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
}

async function pushBlob(registry: string, repository: string, bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const start = await fetch(`${base(registry)}/v2/${repository}/blobs/uploads/`, {method: 'POST'});
  if (start.status !== 202) throw new Error(`POST upload: ${start.status}`);
  const location = new URL(start.headers.get('location')!, base(registry));
  location.searchParams.set('digest', digest);
  await put(location.toString(), bytes, 'application/octet-stream');
  return digest;
}

/**
 * `source` (a single-platform image on the open registry) as an index for `architectures`, in
 * `repository` of the same registry: each platform's config says its architecture, the layers are the
 * source's (mounted). Returns the index's reference by tag.
 */
export async function multiPlatformCopy(source: string, repository: string, architectures: string[]): Promise<string> {
  const {registry, repository: from} = split(source);
  const manifest = await manifestOf(source);
  const config = JSON.parse((await blobOf(registry, from, manifest.json.config.digest)).toString('utf8'));
  for (const layer of manifest.json.layers) {
    const res = await fetch(`${base(registry)}/v2/${repository}/blobs/uploads/?mount=${layer.digest}&from=${from}`, {method: 'POST'});
    if (res.status !== 201) throw new Error(`mount ${layer.digest}: ${res.status}`);
  }
  const manifests = [];
  for (const architecture of architectures) {
    const bytes = Buffer.from(JSON.stringify({...config, architecture}));
    const configDigest = await pushBlob(registry, repository, bytes);
    const one = Buffer.from(JSON.stringify({...manifest.json, config: {...manifest.json.config, digest: configDigest, size: bytes.length}}));
    const digest = `sha256:${createHash('sha256').update(one).digest('hex')}`;
    await put(`${base(registry)}/v2/${repository}/manifests/${digest}`, one, manifest.mediaType);
    manifests.push({mediaType: manifest.mediaType, digest, size: one.length, platform: {os: 'linux', architecture}});
  }
  const index = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests}));
  const tag = architectures.join('-');
  await put(`${base(registry)}/v2/${repository}/manifests/${tag}`, index, 'application/vnd.docker.distribution.manifest.list.v2+json');
  return `${registry}/${repository}:${tag}`;
}
