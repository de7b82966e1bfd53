// A small HTTP server on 127.0.0.1 that answers like the Kubernetes API for adapter tests: GETs from
// a table of objects (a collection with no entry of its own lists the stored objects under it), watch
// streams the test writes events to, plain-text pod logs, server-side apply (PATCH) and DELETE with
// resourceVersion bookkeeping (a stale resourceVersion is 409 Conflict, a write is a watch event).
// `intercept` lets a test misbehave as real servers do: hang, reset the connection, answer 429/503
// with Retry-After, 401, 410 Gone. Plus a kubeconfig pointing at it, so the real KubeHttp talks to it.
import http from 'node:http';
import {mkdtempSync, writeFileSync} from 'node:fs';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** A request as the fake received it. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Header lines as sent: [name, value, name, value…] (repeated headers stay apart). */
  rawHeaders: string[];
  body: string;
  /** True for ?watch=1. */
  watch: boolean;
}

/**
 * What to do instead of answering normally. `hang`: accept, never answer. `reset`: close the
 * connection before answering. `hang-in-body`: send 200 headers and part of a body, then nothing.
 * `reset-in-body`: the same, then close the connection. A status: that answer (a Status body unless
 * one is given). `handle`: the normal answer (the default when intercept returns undefined);
 * `delayMs`: the normal answer, that much later.
 */
export type Action =
  | 'hang'
  | 'reset'
  | 'hang-in-body'
  | 'reset-in-body'
  | 'handle'
  | {delayMs: number}
  | {status: number; headers?: Record<string, string>; body?: unknown};

export interface FakeApi {
  url: string;
  kubeconfig: string;
  /** GET answers by path (without query); a function gets the query. Writes store objects here too. */
  objects: Map<string, unknown | ((query: URLSearchParams) => unknown)>;
  /** Plain-text answers by path (logs). */
  texts: Map<string, (query: URLSearchParams, res: http.ServerResponse) => void>;
  /** Every request, as "METHOD path?query". */
  requests: string[];
  /** Every request with its headers and body. */
  received: Received[];
  /** Decides, per request, whether to misbehave. Reset by reset(). */
  intercept?: (request: Received) => Action | undefined;
  /** Open watch streams by path. */
  watchers(path: string): http.ServerResponse[];
  /** Write one watch event to every open stream on path (that its selectors match; an ERROR to all). */
  emit(path: string, type: string, object: unknown): void;
  /** Close every open watch stream on path by resetting its connection. */
  resetWatchers(path: string): void;
  /** Change a stored object as another client would: a new resourceVersion, and a MODIFIED event. */
  modify<T extends {metadata: {resourceVersion?: string}}>(path: string, change: (object: T) => void): T;
  /** Forget objects, requests and intercept (between tests). */
  reset(): void;
  close(): Promise<void>;
}

interface Stream {
  res: http.ServerResponse;
  query: URLSearchParams;
}

function statusBody(code: number, message: string, extra: object = {}): object {
  return {kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message, ...extra};
}

/** The collection an object path belongs to, and the object's name: /a/b/services/x → [/a/b/services, x]. */
function parentOf(path: string): [string, string] {
  const at = path.lastIndexOf('/');
  return [path.slice(0, at), path.slice(at + 1)];
}

function matchesSelectors(object: any, query: URLSearchParams): boolean {
  const field = query.get('fieldSelector');
  if (field?.startsWith('metadata.name=') && object?.metadata?.name !== field.slice('metadata.name='.length)) return false;
  const labels = query.get('labelSelector');
  if (labels) {
    for (const term of labels.split(',')) {
      const [k, v] = term.split('=');
      if (object?.metadata?.labels?.[k] !== v) return false;
    }
  }
  return true;
}

export async function fakeKubeApi(options: {user?: Record<string, unknown>; kubeconfig?: (url: string) => object} = {}): Promise<FakeApi> {
  const objects = new Map<string, unknown>();
  const texts = new Map<string, (query: URLSearchParams, res: http.ServerResponse) => void>();
  const requests: string[] = [];
  const received: Received[] = [];
  const streams = new Map<string, Stream[]>();
  let version = 100;
  const nextVersion = () => String(++version);

  function emit(path: string, type: string, object: unknown): void {
    // An ERROR event (a Status) concerns the stream, whatever it selects.
    for (const stream of streams.get(path) ?? []) if (type === 'ERROR' || matchesSelectors(object, stream.query)) stream.res.write(JSON.stringify({type, object}) + '\n');
  }

  function answer(res: http.ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(code, {'content-type': 'application/json', ...headers}).end(JSON.stringify(body));
  }

  function storedUnder(collection: string): unknown[] {
    return [...objects.entries()].filter(([p, o]) => parentOf(p)[0] === collection && typeof o !== 'function').map(([, o]) => o);
  }

  function write(request: Received, res: http.ServerResponse): void {
    const [collection, name] = parentOf(request.path);
    const stored = objects.get(request.path) as any;
    if (request.method === 'DELETE') {
      if (!stored) return answer(res, 404, statusBody(404, `"${name}" not found`, {reason: 'NotFound', details: {name}}));
      objects.delete(request.path);
      emit(collection, 'DELETED', {...stored, metadata: {...stored.metadata, resourceVersion: nextVersion()}});
      return answer(res, 200, {kind: 'Status', apiVersion: 'v1', status: 'Success', details: {name}});
    }
    let applied: any;
    try {
      applied = JSON.parse(request.body);
    } catch {
      return answer(res, 400, statusBody(400, 'the body is not JSON', {reason: 'BadRequest'}));
    }
    const wanted = applied?.metadata?.resourceVersion;
    if (wanted && (!stored || stored.metadata?.resourceVersion !== wanted)) {
      return answer(res, 409, statusBody(409, `Operation cannot be fulfilled on ${collection.split('/').pop()} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {reason: 'Conflict', details: {name}}));
    }
    const dryRun = request.query.get('dryRun') === 'All';
    const specChanged = JSON.stringify(applied?.spec) !== JSON.stringify(stored?.spec);
    const object = {
      ...stored,
      ...applied,
      metadata: {
        ...stored?.metadata,
        ...applied?.metadata,
        name,
        resourceVersion: dryRun ? stored?.metadata?.resourceVersion : nextVersion(),
        generation: (stored?.metadata?.generation ?? 0) + (specChanged || !stored ? 1 : 0),
        creationTimestamp: stored?.metadata?.creationTimestamp ?? new Date().toISOString(),
      },
      ...(stored?.status ? {status: stored.status} : {}),
    };
    if (!dryRun) {
      objects.set(request.path, object);
      emit(collection, stored ? 'MODIFIED' : 'ADDED', object);
    }
    answer(res, stored ? 200 : 201, object);
  }

  function handle(request: Received, res: http.ServerResponse): void {
    if (request.watch) {
      res.writeHead(200, {'content-type': 'application/json'});
      res.flushHeaders();
      const open = streams.get(request.path) ?? [];
      open.push({res, query: request.query});
      streams.set(request.path, open);
      res.on('close', () => streams.set(request.path, (streams.get(request.path) ?? []).filter((s) => s.res !== res)));
      return;
    }
    if (request.method === 'PATCH' || request.method === 'DELETE') return write(request, res);
    const text = texts.get(request.path);
    if (text) return text(request.query, res);
    const found = objects.get(request.path);
    if (found === undefined) {
      const under = storedUnder(request.path);
      if (under.length) return answer(res, 200, list(under.filter((o) => matchesSelectors(o, request.query)), String(version)));
      return answer(res, 404, statusBody(404, `${request.path} not found`, {reason: 'NotFound', details: {name: request.path.split('/').pop()}}));
    }
    const body = typeof found === 'function' ? (found as (q: URLSearchParams) => unknown)(request.query) : found;
    if (body && typeof body === 'object' && 'code' in body && (body as {kind?: string}).kind === 'Status') {
      return answer(res, (body as {code: number}).code, body);
    }
    answer(res, 200, body);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const request: Received = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
        watch: url.searchParams.get('watch') === '1',
      };
      requests.push(`${request.method} ${url.pathname}${url.search}`);
      received.push(request);
      const action = fake.intercept?.(request) ?? 'handle';
      if (action === 'handle') return handle(request, res);
      if (action === 'hang') return;
      if (action === 'reset') return void req.socket.destroy();
      if (action === 'hang-in-body' || action === 'reset-in-body') {
        res.writeHead(200, {'content-type': 'application/json'});
        res.write('{"kind":"List","items":[');
        if (action === 'reset-in-body') setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      if ('delayMs' in action) return void setTimeout(() => handle(request, res), action.delayMs);
      answer(res, action.status, action.body ?? statusBody(action.status, `HTTP ${action.status} from the fake`), action.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'fn-fake-api-')), 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify(
      options.kubeconfig?.(url) ?? {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'fake', cluster: {server: url}}],
        users: [{name: 'u', user: options.user ?? {token: 't'}}],
        contexts: [{name: 'fake', context: {cluster: 'fake', user: 'u', namespace: 'team'}}],
        'current-context': 'fake',
      },
    ),
  );
  const fake: FakeApi = {
    url,
    kubeconfig,
    objects: objects as FakeApi['objects'],
    texts,
    requests,
    received,
    watchers: (path) => (streams.get(path) ?? []).map((s) => s.res),
    emit,
    resetWatchers(path) {
      for (const stream of streams.get(path) ?? []) stream.res.socket?.destroy();
    },
    modify<T extends {metadata: {resourceVersion?: string}}>(path: string, change: (object: T) => void): T {
      const object = structuredClone(objects.get(path)) as T;
      change(object);
      object.metadata.resourceVersion = nextVersion();
      objects.set(path, object);
      emit(parentOf(path)[0], 'MODIFIED', object);
      return object;
    },
    reset() {
      objects.clear();
      texts.clear();
      requests.length = 0;
      received.length = 0;
      fake.intercept = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const open of streams.values()) for (const stream of open) stream.res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** A list answer with a resourceVersion. */
export function list(items: unknown[], resourceVersion = '10'): unknown {
  return {kind: 'List', items, metadata: {resourceVersion}};
}

/** Waits until check() holds (polling a test double, never the code under test). */
export async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Remembers these environment variables now; the returned function puts them back as they were. */
export function savedEnv(...names: string[]): () => void {
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
