// The Kubernetes API over HTTP. kubeconfig.ts reads plain kubeconfigs and in-cluster config;
// @kubernetes/client-node's KubeConfig (loaded only then) handles exec/auth-provider plugins and proxies.
// Requests go out here with node:https so that (a) each call is exactly one request (the library's
// generic object client adds discovery calls), (b) watch errors keep the server's Status message (its
// Watch helper drops it), and (c) FN_TRACE_HTTP=1 can log and count them.
import http from 'node:http';
import https from 'node:https';
import {FnError} from '../../core/errors.js';
import type {ClusterSelection} from '../../core/ports.js';
import {KubeApiError, type KubeStatus} from './kube-api-error.js';
import {loadKubeconfig} from './kubeconfig.js';

export {KubeApiError, type KubeStatus};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

const trace = {enabled: process.env.FN_TRACE_HTTP === '1', count: 0, registered: false};

function traceLine(line: string): void {
  if (!trace.enabled) return;
  trace.count += 1;
  process.stderr.write(`[fn http] ${line}\n`);
  if (!trace.registered) {
    trace.registered = true;
    process.once('exit', () => process.stderr.write(`[fn http] ${trace.count} API request(s)\n`));
  }
}

export class KubeHttp {
  private constructor(
    readonly server: URL,
    readonly contextName: string,
    /** The context's namespace, or "default" (in-cluster: the pod's namespace). */
    readonly defaultNamespace: string,
    private readonly options: https.RequestOptions,
  ) {}

  static async connect(selection: ClusterSelection = {}): Promise<KubeHttp> {
    const config = loadKubeconfig(selection);
    if (config.kind === 'plugin') return KubeHttp.connectWithClientNode(selection);
    const {ca, cert, key, rejectUnauthorized, servername} = config;
    // Keep connections alive: a deploy's get, apply and watch reuse one TLS session.
    const agent = config.server.startsWith('http:')
      ? new http.Agent({keepAlive: true})
      : new https.Agent({keepAlive: true, ca, cert, key, servername, ...(rejectUnauthorized === undefined ? {} : {rejectUnauthorized})});
    return new KubeHttp(new URL(config.server), config.contextName, config.namespace, {agent, headers: config.headers});
  }

  /** Exec / auth-provider plugins and proxies: let client-node's KubeConfig do the auth. */
  private static async connectWithClientNode(selection: ClusterSelection): Promise<KubeHttp> {
    const {KubeConfig} = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    try {
      kc.loadFromDefault();
    } catch (e) {
      throw new FnError('INVALID_KUBECONFIG', 'clusterUnreachable', `the kubeconfig cannot be read: ${(e as Error).message}`, {
        cause: e,
        suggestion: 'check the file KUBECONFIG points to (kubectl config view)',
      });
    }
    if (selection.context) kc.setCurrentContext(selection.context);
    const cluster = kc.getCurrentCluster()!;
    const options: https.RequestOptions = {};
    try {
      await kc.applyToHTTPSOptions(options);
    } catch (e) {
      throw new FnError('CREDENTIALS_FAILED', 'clusterUnreachable', `cannot get credentials for context "${kc.getCurrentContext()}": ${(e as Error).message}`, {
        cause: e,
        suggestion: 'check the user entry of the kubeconfig (an exec plugin or token file may be missing)',
      });
    }
    const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
    return new KubeHttp(new URL(cluster.server), kc.getCurrentContext(), contextNamespace || 'default', options);
  }

  private url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private send(method: string, url: URL, body: string | undefined, contentType: string | undefined, accept = 'application/json'): Promise<http.IncomingMessage> {
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, {
        ...this.options,
        method,
        headers: {
          ...(this.options.headers as Record<string, string>),
          Accept: accept,
          'User-Agent': 'fn',
          ...(body === undefined ? {} : {'Content-Type': contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body)}),
        },
      });
      req.on('response', resolve);
      req.on('error', (e) => reject(this.unreachable(e)));
      req.end(body);
    });
  }

  private unreachable(e: Error & {code?: string}): FnError {
    return new FnError('CLUSTER_UNREACHABLE', 'clusterUnreachable', `cannot reach the Kubernetes API at ${this.server.origin} (context "${this.contextName}"): ${e.code ?? e.message}`, {
      cause: e,
      suggestion: 'check that the cluster is running and that this context is right (kubectl --context ' + this.contextName + ' get namespaces), or pick another with --context',
      details: {server: this.server.origin, context: this.contextName, error: e.code ?? e.message},
    });
  }

  /** One API request; JSON in and out. Errors: KubeApiError (HTTP status) or FnError (unreachable). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const started = Date.now();
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await this.send(method, url, body, options.contentType);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = response.statusCode ?? 0;
    traceLine(`${method} ${url.pathname}${url.search} → ${status} (${Date.now() - started} ms)`);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = {message: text.slice(0, 500)};
    }
    if (status >= 400) throw new KubeApiError(status, (parsed as KubeStatus) ?? {}, method, url.pathname);
    return parsed as T;
  }

  /**
   * A plain-text stream (a pod's log): calls onLine for each line until the server ends it or the
   * signal aborts. A non-200 answer throws KubeApiError with the server's message.
   */
  async lines(path: string, query: RequestOptions['query'], onLine: (line: string) => void, signal?: AbortSignal): Promise<'ended' | 'aborted'> {
    const url = this.url(path, query);
    if (signal?.aborted) return 'aborted';
    const response = await this.send('GET', url, undefined, undefined, 'text/plain, application/json;q=0.9, */*;q=0.8');
    traceLine(`GET ${url.pathname}${url.search} → ${response.statusCode} (stream)`);
    if (response.statusCode !== 200) throw await streamError(response, 'GET', url.pathname);
    const end = await readLines(response, signal, (line) => {
      onLine(line.replace(/\r$/, ''));
      return false;
    }, {partialLast: true});
    return end === 'done' ? 'ended' : end;
  }

  /**
   * One watch request: calls onEvent for each event until the server ends the stream, onEvent returns
   * true (done), or the signal aborts. A non-200 answer throws KubeApiError with the server's message.
   */
  async watch<T>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<T>) => boolean, signal?: AbortSignal): Promise<'done' | 'ended' | 'aborted'> {
    const url = this.url(path, {...query, watch: 1, allowWatchBookmarks: true});
    const started = Date.now();
    if (signal?.aborted) return 'aborted';
    const response = await this.send('GET', url, undefined, undefined);
    traceLine(`WATCH ${url.pathname}${url.search} → ${response.statusCode}`);
    if (response.statusCode !== 200) throw await streamError(response, 'WATCH', url.pathname);
    try {
      return await readLines(response, signal, (line) => Boolean(line.trim()) && onEvent(JSON.parse(line) as WatchEvent<T>), {partialLast: false});
    } finally {
      if (trace.enabled) process.stderr.write(`[fn http]   watch closed after ${Date.now() - started} ms\n`);
    }
  }
}

/** The server's Status from a non-200 answer to a streaming request (or its text when not JSON). */
async function streamError(response: http.IncomingMessage, method: string, path: string): Promise<KubeApiError> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let status: KubeStatus;
  try {
    status = JSON.parse(text);
  } catch {
    status = {message: text.slice(0, 500)};
  }
  return new KubeApiError(response.statusCode ?? 0, status, method, path);
}

/**
 * Reads a streamed answer line by line until it ends, `onLine` returns true ('done') or the signal
 * aborts. A connection reset mid-stream counts as an end: the caller re-reads and streams again.
 */
async function readLines(response: http.IncomingMessage, signal: AbortSignal | undefined, onLine: (line: string) => boolean, options: {partialLast: boolean}): Promise<'done' | 'ended' | 'aborted'> {
  const abort = () => response.destroy();
  signal?.addEventListener('abort', abort, {once: true});
  // Aborted while the request was being answered: the listener above will never fire.
  if (signal?.aborted) abort();
  let buffer = '';
  try {
    for await (const chunk of response) {
      buffer += (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (onLine(line)) {
          response.destroy();
          return 'done';
        }
      }
    }
    // A log's last line may lack its newline; a watch event cut off by a closed stream is dropped.
    if (buffer && options.partialLast && onLine(buffer)) return 'done';
  } catch (e) {
    if (signal?.aborted) return 'aborted';
    if ((e as {code?: string}).code === 'ECONNRESET' || (e as Error).name === 'AbortError') return 'ended';
    throw e;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  return signal?.aborted ? 'aborted' : 'ended';
}
