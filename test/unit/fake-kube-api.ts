// A small HTTP server on 127.0.0.1 that answers like the Kubernetes API for adapter tests: GETs from
// a table of objects, watch streams the test writes events to, plain-text pod logs. Plus a kubeconfig
// pointing at it, so the real KubeHttp talks to it.
import http from 'node:http';
import {mkdtempSync, writeFileSync} from 'node:fs';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export interface FakeApi {
  url: string;
  kubeconfig: string;
  /** GET answers by path (without query); a function gets the query. */
  objects: Map<string, unknown | ((query: URLSearchParams) => unknown)>;
  /** Plain-text answers by path (logs). */
  texts: Map<string, (query: URLSearchParams, res: http.ServerResponse) => void>;
  /** Every request, as "METHOD path?query". */
  requests: string[];
  /** Open watch streams by path. */
  watchers(path: string): http.ServerResponse[];
  /** Write one watch event to every open stream on path. */
  emit(path: string, type: string, object: unknown): void;
  close(): Promise<void>;
}

export async function fakeKubeApi(): Promise<FakeApi> {
  const objects = new Map<string, unknown>();
  const texts = new Map<string, (query: URLSearchParams, res: http.ServerResponse) => void>();
  const requests: string[] = [];
  const streams = new Map<string, http.ServerResponse[]>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.searchParams.get('watch') === '1') {
      res.writeHead(200, {'content-type': 'application/json'});
      res.flushHeaders();
      const open = streams.get(url.pathname) ?? [];
      open.push(res);
      streams.set(url.pathname, open);
      res.on('close', () => streams.set(url.pathname, (streams.get(url.pathname) ?? []).filter((r) => r !== res)));
      return;
    }
    const text = texts.get(url.pathname);
    if (text) return text(url.searchParams, res);
    const found = objects.get(url.pathname);
    if (found === undefined) {
      res.writeHead(404, {'content-type': 'application/json'}).end(JSON.stringify({kind: 'Status', code: 404, message: `${url.pathname} not found`, details: {name: url.pathname.split('/').pop()}}));
      return;
    }
    const body = typeof found === 'function' ? (found as (q: URLSearchParams) => unknown)(url.searchParams) : found;
    if (body && typeof body === 'object' && 'code' in body && (body as {kind?: string}).kind === 'Status') {
      res.writeHead((body as {code: number}).code, {'content-type': 'application/json'}).end(JSON.stringify(body));
      return;
    }
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'fn-fake-api-')), 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'fake', cluster: {server: url}}],
      users: [{name: 'u', user: {token: 't'}}],
      contexts: [{name: 'fake', context: {cluster: 'fake', user: 'u', namespace: 'team'}}],
      'current-context': 'fake',
    }),
  );
  return {
    url,
    kubeconfig,
    objects: objects as FakeApi['objects'],
    texts,
    requests,
    watchers: (path) => streams.get(path) ?? [],
    emit(path, type, object) {
      for (const res of streams.get(path) ?? []) res.write(JSON.stringify({type, object}) + '\n');
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const open of streams.values()) for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
