// A client for the OCI distribution API (the Docker Registry HTTP API V2) over Node's fetch: what the
// host builder needs and no more — manifests and blobs by digest, blob HEAD, cross-repository mount,
// upload, manifest PUT. Authentication as registries ask for it (WWW-Authenticate): Basic, or Bearer
// tokens from the realm per repository scope, with the user's docker credentials (credentials.ts, as
// the engine's pusher gets them). https always, except that a registry on the loopback (or named in
// FN_INSECURE_REGISTRIES) that does not speak TLS is spoken to over plain http, as the Docker engine
// treats 127.0.0.0/8.
// Written here rather than taken from npm: the Node registry clients are pull-only
// (@snyk/docker-registry-v2-client), or built on restify/bunyan with callback APIs and no cross-repository
// mount (docker-registry-client and its renovate fork); containerify is a CLI with its client inside.
import {Readable} from 'node:stream';
import {FnError} from '../../core/errors.js';
import {DOCKER_HUB} from '../../core/image-ref.js';
import {credentialsFor, type RegistryAuth} from '../docker/credentials.js';
import {registryFailure, type RegistryFailure} from '../docker/registry-messages.js';
import type {Descriptor} from './store.js';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');
export const isIndex = (mediaType: string) => mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;

/** Requests other than blob transfers are bounded: a registry that does not answer is an error, not a hang. */
const REQUEST_TIMEOUT_MS = 60_000;
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/;

/** Where a registry's API is: Docker Hub's images are named docker.io, its API is registry-1.docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

export function mayUseHttp(registry: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1') return true;
  return (env.FN_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean).includes(registry);
}

interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** `Bearer realm="…",service="…",scope="…"` → its scheme and parameters. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = header.match(/^\s*(\w+)\s*(.*)$/);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return {scheme, params};
}

/** The error text a registry puts in its JSON body ({errors: [{code, message}]}), else the status. */
async function registryMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    const errors = (body?.errors ?? []) as Array<{code?: string; message?: string}>;
    if (errors.length) return errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // not JSON
  }
  return `${res.status} ${res.statusText}${text && text.length < 200 ? `: ${text.trim()}` : ''}`;
}

function networkKind(e: unknown): {kind: RegistryFailure; message: string} {
  const cause = (e as {cause?: {code?: string; message?: string}})?.cause;
  const code = cause?.code ?? (e as {code?: string})?.code ?? '';
  const message = cause?.message ?? (e as Error)?.message ?? String(e);
  if ((e as Error)?.name === 'TimeoutError') return {kind: 'unreachable', message: `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`};
  return {kind: TLS_CODES.test(code) ? 'tls' : 'unreachable', message: code && !message.includes(code) ? `${code}: ${message}` : message};
}

export interface RequestOptions {
  /** The repository whose scope the request needs; push adds push to pull. */
  repository: string;
  push?: boolean;
  /** Other repositories read from (a mount's source). */
  alsoPull?: string[];
  headers?: Record<string, string>;
  body?: Buffer | string | ReadableStream | (() => Readable);
  /** Blob transfers are not time-bounded. */
  unbounded?: boolean;
  redirect?: 'follow' | 'manual';
}

export class RegistryClient {
  private base?: Promise<{url: string; challenge?: Challenge}>;
  /** The challenge of the last 401: later requests authenticate up front. */
  private learned?: Challenge;
  private tokens = new Map<string, string>();
  private auth?: Promise<RegistryAuth | undefined>;

  constructor(
    readonly registry: string,
    private readonly image: string,
    private readonly credentials: (registry: string) => Promise<RegistryAuth | undefined> = (r) => credentialsFor(r),
    /** Remembers which scheme a registry speaks, across runs (the store's facts), to skip the ping. */
    private readonly schemes?: {get(registry: string): Promise<string | undefined>; set(registry: string, scheme: string): Promise<void>},
  ) {}

  private authFor(): Promise<RegistryAuth | undefined> {
    this.auth ??= this.credentials(this.registry);
    return this.auth;
  }

  private async fail(kind: RegistryFailure, message: string, action?: string): Promise<FnError> {
    return registryFailure(kind, message, {registry: this.registry, image: this.image, auth: await this.authFor().catch(() => undefined), verifier: 'fn', action});
  }

  /** The API's base URL (https, or http for a loopback registry without TLS) and its challenge. */
  private endpoint(): Promise<{url: string; challenge?: Challenge}> {
    this.base ??= (async () => {
      const known = await this.schemes?.get(this.registry).catch(() => undefined);
      if (known === 'https' || known === 'http') return {url: `${known}://${apiHost(this.registry)}`};
      const ping = async (scheme: string) => {
        const host = apiHost(this.registry);
        const res = await fetch(`${scheme}://${host}/v2/`, {signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
        await res.arrayBuffer().catch(() => undefined);
        return {url: `${scheme}://${host}`, challenge: res.status === 401 ? parseChallenge(res.headers.get('www-authenticate')) : undefined};
      };
      let found: {url: string; challenge?: Challenge};
      try {
        found = await ping('https');
      } catch (e) {
        const {kind, message} = networkKind(e);
        if (kind === 'tls' || !mayUseHttp(this.registry)) throw await this.fail(kind, message);
        try {
          found = await ping('http');
        } catch (e2) {
          const second = networkKind(e2);
          throw await this.fail(second.kind, second.message);
        }
      }
      await this.schemes?.set(this.registry, found.url.split(':')[0]).catch(() => undefined);
      return found;
    })();
    this.base.catch(() => (this.base = undefined));
    return this.base;
  }

  private scopeOf(options: RequestOptions): string[] {
    return [`repository:${options.repository}:${options.push ? 'pull,push' : 'pull'}`, ...(options.alsoPull ?? []).map((r) => `repository:${r}:pull`)];
  }

  private async token(challenge: Challenge, scopes: string[]): Promise<string> {
    const key = scopes.join(' ');
    const known = this.tokens.get(key);
    if (known) return known;
    const auth = await this.authFor();
    if (challenge.scheme === 'basic') {
      if (!auth?.username || auth.password === undefined) throw await this.fail('unauthorized', 'the registry asks for a user name and password');
      const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      this.tokens.set(key, header);
      return header;
    }
    const realm = challenge.params.realm;
    if (!realm) throw await this.fail('failed', 'the registry asked for a token without saying where to get one (no realm)');
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    let res: Response;
    try {
      if (auth?.identitytoken) {
        // An identity token is an OAuth2 refresh token (docker login with a token service).
        const form = new URLSearchParams({grant_type: 'refresh_token', refresh_token: auth.identitytoken, client_id: 'fn', scope: scopes.join(' ')});
        if (challenge.params.service) form.set('service', challenge.params.service);
        res = await fetch(realm, {method: 'POST', body: form, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
      } else {
        for (const scope of scopes) url.searchParams.append('scope', scope);
        const headers: Record<string, string> = {};
        if (auth?.username && auth.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
        res = await fetch(url, {headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
      }
    } catch (e) {
      const {kind, message} = networkKind(e);
      throw await this.fail(kind, `token service ${url.origin}: ${message}`);
    }
    if (res.status === 401 || res.status === 403) throw await this.fail('unauthorized', await registryMessage(res));
    if (!res.ok) throw await this.fail('failed', `token service ${url.origin}: ${await registryMessage(res)}`);
    const body = (await res.json()) as {token?: string; access_token?: string};
    const token = body.token ?? body.access_token;
    if (!token) throw await this.fail('failed', `token service ${url.origin} answered no token`);
    const header = `Bearer ${token}`;
    this.tokens.set(key, header);
    return header;
  }

  /** One API request with authentication; a 401 fetches a token for the challenge and tries once more. */
  async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    const {url, challenge} = await this.endpoint();
    const scopes = this.scopeOf(options);
    const send = async (authorization?: string) => {
      const body = typeof options.body === 'function' ? (Readable.toWeb(options.body()) as ReadableStream) : options.body;
      try {
        return await fetch(path.startsWith('http') ? path : `${url}${path}`, {
          method,
          headers: {...options.headers, ...(authorization ? {authorization} : {})},
          body,
          redirect: options.redirect ?? 'follow',
          ...(body instanceof ReadableStream ? {duplex: 'half'} : {}),
          ...(options.unbounded ? {} : {signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)}),
        } as RequestInit);
      } catch (e) {
        const {kind, message} = networkKind(e);
        // A remembered scheme may be stale (the registry now speaks TLS): the next run pings again.
        await this.schemes?.set(this.registry, '').catch(() => undefined);
        throw await this.fail(kind, message);
      }
    };
    const first = this.learned ?? challenge;
    let res = await send(first ? await this.token(first, scopes) : undefined);
    if (res.status === 401) {
      const again = parseChallenge(res.headers.get('www-authenticate')) ?? first;
      this.learned = again;
      await res.arrayBuffer().catch(() => undefined);
      if (!again) throw await this.fail('unauthorized', 'the registry refused the request and asked for no credentials');
      this.tokens.delete(scopes.join(' '));
      res = await send(await this.token(again, scopes));
      if (res.status === 401) throw await this.fail('unauthorized', await registryMessage(res));
    }
    if (res.status === 403) throw await this.fail('unauthorized', await registryMessage(res));
    return res;
  }

  private async expect(res: Response, ok: number[], action: string): Promise<Response> {
    if (ok.includes(res.status)) return res;
    throw await this.fail('failed', await registryMessage(res), action);
  }

  /** A manifest or index by tag or digest; undefined when the registry has no such thing. */
  async manifest(repository: string, reference: string): Promise<{mediaType: string; digest: string; bytes: Buffer} | undefined> {
    const res = await this.request('GET', `/v2/${repository}/manifests/${reference}`, {repository, headers: {accept: MANIFEST_ACCEPT}});
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    await this.expect(res, [200], `reading ${this.registry}/${repository}:${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const {createHash} = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest) throw await this.fail('failed', `the manifest served for ${reference} has digest ${digest}`);
    const mediaType = JSON.parse(bytes.toString('utf8')).mediaType ?? res.headers.get('content-type')?.split(';')[0] ?? MEDIA.ociManifest;
    return {mediaType, digest, bytes};
  }

  /** A blob's body as a stream (redirects to storage followed; fetch drops the credentials there). */
  async blob(repository: string, digest: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.request('GET', `/v2/${repository}/blobs/${digest}`, {repository, unbounded: true});
    await this.expect(res, [200], `downloading ${digest} from ${this.registry}/${repository}`);
    if (!res.body) throw await this.fail('failed', `the registry sent ${digest} without a body`);
    return res.body;
  }

  async hasBlob(repository: string, digest: string, push = false): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, {repository, push});
    if (res.status === 404) return false;
    await this.expect(res, [200], `checking ${digest} in ${this.registry}/${repository}`);
    return true;
  }

  /** Mounts a blob from another repository of this registry: true when the registry did (201). */
  async mount(repository: string, digest: string, from: string): Promise<boolean> {
    const res = await this.request('POST', `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
      repository,
      push: true,
      alsoPull: [from],
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 201) return true;
    // 202: the registry started an upload instead; it expires unused.
    await this.expect(res, [202], `mounting ${digest} into ${this.registry}/${repository}`);
    return false;
  }

  /** Uploads a blob in one PUT (POST for the upload URL first). */
  async upload(repository: string, digest: string, size: number, body: () => Readable): Promise<void> {
    const start = await this.request('POST', `/v2/${repository}/blobs/uploads/`, {repository, push: true, redirect: 'manual'});
    await this.expect(start, [202], `starting the upload of ${digest} to ${this.registry}/${repository}`);
    await start.arrayBuffer().catch(() => undefined);
    const location = start.headers.get('location');
    if (!location) throw await this.fail('failed', 'the registry started an upload without a Location', `uploading ${digest}`);
    const {url} = await this.endpoint();
    const target = new URL(location, url);
    target.searchParams.set('digest', digest);
    const res = await this.request('PUT', target.toString(), {
      repository,
      push: true,
      headers: {'content-type': 'application/octet-stream', 'content-length': String(size)},
      body,
      unbounded: true,
    });
    await this.expect(res, [201], `uploading ${digest} to ${this.registry}/${repository}`);
    await res.arrayBuffer().catch(() => undefined);
  }

  /** PUTs a manifest or index under a tag or its digest; returns the digest the registry reports. */
  async putManifest(repository: string, reference: string, descriptor: Descriptor, bytes: Buffer): Promise<string> {
    const res = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      repository,
      push: true,
      headers: {'content-type': descriptor.mediaType},
      body: bytes,
    });
    await this.expect(res, [201], `pushing the manifest of ${this.registry}/${repository}:${reference}`);
    await res.arrayBuffer().catch(() => undefined);
    return res.headers.get('docker-content-digest') ?? descriptor.digest;
  }
}
