// The Kubernetes API for the data-plane processes: raw JSON over HTTPS with the admin client
// certificate that up.sh made. Raw rather than client-node's typed models, so that status writes
// round-trip exactly what the API server sent (no date or field conversions), and watches keep
// their resourceVersion across reconnects.
import https from 'node:https';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    ownerReferences?: {kind: string; name: string; uid: string}[];
    creationTimestamp?: string;
  };
  spec?: any;
  status?: any;
}

export class KubeError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const server = new URL(process.env.FN_TESTENV_API ?? 'https://127.0.0.1:16443');
const pki = process.env.FN_TESTENV_PKI ?? join(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv', 'pki');
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: 16,
  ca: readFileSync(join(pki, 'ca.crt')),
  cert: readFileSync(join(pki, 'admin.crt')),
  key: readFileSync(join(pki, 'admin.key')),
});

export const log = (component: string, ...a: unknown[]) => console.log(new Date().toISOString(), `[${component}]`, ...a);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Kubernetes stores times with second precision. */
export const nowTime = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request(
      {
        host: server.hostname,
        port: server.port,
        path,
        method,
        agent,
        timeout: 30_000,
        headers: {accept: 'application/json', ...(data ? {'content-type': contentType, 'content-length': data.length} : {})},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) {
            let message = text;
            try {
              message = JSON.parse(text).message ?? text;
            } catch {}
            return reject(new KubeError(res.statusCode ?? 500, `${method} ${path}: ${res.statusCode} ${message}`));
          }
          resolve(text ? JSON.parse(text) : (undefined as T));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

export const mergePatch = <T = any>(path: string, body: unknown) => request<T>('PATCH', path, body, 'application/merge-patch+json');

/** 404 → undefined. */
export async function getOrUndefined<T = any>(path: string): Promise<T | undefined> {
  try {
    return await request<T>('GET', path);
  } catch (e) {
    if (e instanceof KubeError && e.code === 404) return undefined;
    throw e;
  }
}

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * List, then watch, forever: `onEvent` sees every object once per change, `onSync` after each
 * (re)list with the full set (so a consumer can drop what vanished while the watch was down).
 * A collection that does not exist yet (CRDs not applied) is retried.
 */
export async function informer(
  collection: string,
  query: Record<string, string>,
  onEvent: (type: WatchType, o: KubeObject) => void,
  onSync?: (all: KubeObject[]) => void,
): Promise<never> {
  const qs = (extra: Record<string, string>) => new URLSearchParams({...query, ...extra}).toString();
  for (;;) {
    let resourceVersion: string;
    try {
      const list = await request<{items: KubeObject[]; metadata: {resourceVersion: string}}>('GET', `${collection}?${qs({})}`);
      resourceVersion = list.metadata.resourceVersion;
      for (const o of list.items) onEvent('ADDED', o);
      onSync?.(list.items);
    } catch (e) {
      await sleep(1000);
      continue;
    }
    // Watch until the server closes it or the resourceVersion is too old (410): then relist.
    for (;;) {
      const ok = await watchOnce(`${collection}?${qs({watch: 'true', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: '300'})}`, (type, o) => {
        if (o.metadata?.resourceVersion) resourceVersion = o.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        onEvent(type as WatchType, o);
      });
      if (!ok) break;
    }
    await sleep(200);
  }
}

/** One watch request; false when it ended in an error (relist). */
function watchOnce(path: string, onEvent: (type: string, o: KubeObject) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.request({host: server.hostname, port: server.port, path, method: 'GET', agent, headers: {accept: 'application/json'}}, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve(false);
      }
      let buffer = '';
      let failed = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line) as {type: string; object: KubeObject};
          if (event.type === 'ERROR') failed = true;
          else onEvent(event.type, event.object);
        }
      });
      res.on('end', () => resolve(!failed));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Runs `fn` for one key at a time, coalescing calls that arrive while it runs (last one wins). */
export class KeyedQueue<T> {
  private readonly pending = new Map<string, T>();
  private readonly running = new Set<string>();

  constructor(
    private readonly component: string,
    private readonly fn: (key: string, item: T) => Promise<void>,
  ) {}

  push(key: string, item: T): void {
    this.pending.set(key, item);
    this.drain(key);
  }

  private drain(key: string): void {
    if (this.running.has(key) || !this.pending.has(key)) return;
    const item = this.pending.get(key)!;
    this.pending.delete(key);
    this.running.add(key);
    this.fn(key, item)
      .catch((e) => {
        // 409: our copy was stale; 404: gone. The next event brings a fresh copy.
        if (!(e instanceof KubeError && (e.code === 409 || e.code === 404))) log(this.component, `${key}: ${e?.message ?? e}`);
      })
      .finally(() => {
        this.running.delete(key);
        this.drain(key);
      });
  }
}
