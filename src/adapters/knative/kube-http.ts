// The Kubernetes API over HTTP. kubeconfig.ts reads kubeconfigs and in-cluster config;
// kube-credentials.ts supplies (and renews) credentials, exec plugins included; @kubernetes/client-node's
// KubeConfig (loaded only then) handles auth-provider plugins and proxies.
// Requests go out here with node:https so that (a) each call is one request (the library's generic
// object client adds discovery calls), (b) watch errors keep the server's Status message (its Watch
// helper drops it), and (c) FN_TRACE_HTTP=1 can log and count them. A call sends a request again only
// when that is safe and likely to help: a GET whose connection was reset, 429 (not processed), a GET
// answered 502–504, or a 401 after the credentials were renewed.
// Every request is bounded (FN_API_TIMEOUT_MS, connect to last byte; for streams, to the headers), and a
// watch stream the server should have ended at its timeoutSeconds is ended by fn a bound later.
import http from 'node:http';
import https from 'node:https';
import {FnError} from '../../core/errors.js';
import type {ClusterSelection} from '../../core/ports.js';
import {ExecCredentialSource, fixedCredential, tokenFileCredential, type Credential, type CredentialSource} from './kube-credentials.js';
import {KubeApiError, MAX_RETRY_DELAY_MS, type KubeStatus} from './kube-api-error.js';
import {loadKubeconfig} from './kubeconfig.js';

export {KubeApiError, type KubeStatus};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Ends the request early; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * How a watch ended: `done` (onEvent said so), `ended` (the stream closed: resume from the last
 * version), `expired` (410 Gone or an ERROR event: list again), `aborted` (the signal).
 */
export type WatchOutcome = 'done' | 'ended' | 'expired' | 'aborted';

export const API_TIMEOUT_ENV = 'FN_API_TIMEOUT_MS';
export const DEFAULT_API_TIMEOUT_MS = 30_000;
/** Attempts of one call at most, when the server asks to retry or a GET's connection is reset. */
export const MAX_ATTEMPTS = 4;
export {MAX_RETRY_DELAY_MS};
/** A watch stream that ends sooner than this after it opened returns only then. */
const QUICK_END_MS = 1000;
/** A watch that asks for no timeoutSeconds asks for this. */
const DEFAULT_WATCH_SECONDS = 300;

/** FN_API_TIMEOUT_MS: how long one request may take (a whole number of milliseconds). */
export function apiTimeoutMs(): number {
  const raw = process.env[API_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_API_TIMEOUT_MS;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) {
    throw new FnError('INVALID_SETTING', 'usage', `${API_TIMEOUT_ENV}=${JSON.stringify(raw)} is not a positive whole number of milliseconds`, {
      suggestion: `set it to e.g. ${API_TIMEOUT_ENV}=${DEFAULT_API_TIMEOUT_MS} (the default, ${DEFAULT_API_TIMEOUT_MS / 1000}s), or unset it`,
      details: {setting: API_TIMEOUT_ENV, value: raw},
    });
  }
  return Number(raw);
}

const trace = {enabled: process.env.FN_TRACE_HTTP === '1', count: 0, registered: false};

/** One line per request sent (bench/deploy counts them). */
function traceLine(line: string): void {
  if (!trace.enabled) return;
  trace.count += 1;
  process.stderr.write(`[fn http] ${line}\n`);
  if (!trace.registered) {
    trace.registered = true;
    process.once('exit', () => process.stderr.write(`[fn http] ${trace.count} API request(s)\n`));
  }
}

function ms(n: number): string {
  return n < 1000 ? `${n}ms` : `${Number((n / 1000).toFixed(1))}s`;
}

/** Waits ms, or less when the signal aborts (then false). */
function pause(delay: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve(!signal?.aborted);
    };
    const timer = setTimeout(done, delay);
    signal?.addEventListener('abort', done, {once: true});
  });
}

/** The delay a 429/503 asks for: Retry-After (seconds or an HTTP date), else the Status's retryAfterSeconds. */
export function retryAfterMs(header: string | undefined, status: KubeStatus | undefined): number | undefined {
  if (header !== undefined && header.trim() !== '') {
    if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  const seconds = (status?.details as {retryAfterSeconds?: number} | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}

/** 250ms, 500ms, 1s…: between attempts when the server named no delay. */
const backoff = (attempt: number) => 250 * 2 ** (attempt - 1);

/**
 * May this answer be sent again? 429 means the server did not process the request: always. 502–504
 * from a GET (or a watch): the server or a proxy in front could not answer now; a write may have
 * been applied, so it is not sent again.
 */
function retriable(method: string, status: number): boolean {
  return status === 429 || (method === 'GET' && status >= 502 && status <= 504);
}

/** Connection failures after which a GET is sent again (a keep-alive socket the server closed, a reset). */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body, read under the bound (absent for a 200 stream, which the caller reads). */
  text?: string;
  response: http.IncomingMessage;
  credential: Credential;
}

class Timeout extends Error {}
class Aborted extends Error {}

export class KubeHttp {
  private agent?: {key: unknown; cert: unknown; agent: http.Agent};

  private constructor(
    readonly server: URL,
    readonly contextName: string,
    /** The context's namespace, or "default" (in-cluster: the pod's namespace). */
    readonly defaultNamespace: string,
    /** Headers every request carries (impersonation, a fixed Authorization). */
    private readonly headers: Record<string, string | string[]>,
    private readonly credentials: CredentialSource,
    /** TLS settings of the cluster; the client certificate comes from the credential. */
    private readonly tls: https.AgentOptions,
    /** How long one request may take (connect → last byte; streams: → headers). */
    readonly timeoutMs: number,
    /** client-node's agent (proxies), when it made one. */
    private readonly fixedAgent?: http.Agent,
  ) {}

  static async connect(selection: ClusterSelection = {}): Promise<KubeHttp> {
    const timeoutMs = apiTimeoutMs();
    const config = loadKubeconfig(selection);
    if (config.kind === 'plugin') return KubeHttp.connectWithClientNode(selection, config.headers, timeoutMs);
    const {ca, cert, key, rejectUnauthorized, servername} = config;
    const credentials = config.exec
      ? new ExecCredentialSource(config.exec, timeoutMs)
      : config.tokenFile
        ? tokenFileCredential(config.tokenFile, String(config.headers.Authorization ?? '').replace(/^Bearer /, ''))
        : fixedCredential({headers: {}, ...(cert ? {cert} : {}), ...(key ? {key} : {})});
    const tls: https.AgentOptions = {ca, servername, ...(rejectUnauthorized === undefined ? {} : {rejectUnauthorized})};
    // A credential's certificate wins over the kubeconfig's; one without keeps the kubeconfig's.
    if (config.exec && cert && key) Object.assign(tls, {cert, key});
    return new KubeHttp(new URL(config.server), config.contextName, config.namespace, config.headers, credentials, tls, timeoutMs);
  }

  /** Auth-provider plugins and proxies: client-node's KubeConfig does the auth, asked before each request. */
  private static async connectWithClientNode(selection: ClusterSelection, headers: Record<string, string | string[]>, timeoutMs: number): Promise<KubeHttp> {
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
    // client-node refreshes an expired token itself when asked for options again.
    const options = async (): Promise<https.RequestOptions> => {
      const o: https.RequestOptions = {};
      try {
        await kc.applyToHTTPSOptions(o);
      } catch (e) {
        throw new FnError('CREDENTIALS_FAILED', 'clusterUnreachable', `cannot get credentials for context "${kc.getCurrentContext()}": ${(e as Error).message}`, {
          cause: e,
          suggestion: 'check the user entry of the kubeconfig (an auth-provider or token file may be missing)',
        });
      }
      return o;
    };
    const first = await options();
    const credentialOf = (o: https.RequestOptions): Credential => ({
      headers: {...(o.headers as Record<string, string>), ...(o.auth ? {Authorization: `Basic ${Buffer.from(o.auth).toString('base64')}`} : {})},
    });
    const credentials: CredentialSource = {current: async () => credentialOf(await options()), refresh: async () => undefined};
    const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
    return new KubeHttp(new URL(cluster.server), kc.getCurrentContext(), contextNamespace || 'default', headers, credentials, {}, timeoutMs, first.agent as http.Agent);
  }

  private url(path: string, query: RequestOptions['query'] = {}): URL {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** Keep-alive agent for the credential's client certificate: a deploy's get, apply and watch share a TLS session. */
  private agentFor(credential: Credential): http.Agent {
    if (this.fixedAgent) return this.fixedAgent;
    const cert = credential.cert ?? this.tls.cert;
    const key = credential.key ?? this.tls.key;
    if (this.agent && this.agent.cert === cert && this.agent.key === key) return this.agent.agent;
    const agent = this.server.protocol === 'http:' ? new http.Agent({keepAlive: true}) : new https.Agent({keepAlive: true, ...this.tls, cert, key});
    this.agent = {cert, key, agent};
    return agent;
  }

  private unreachable(e: Error & {code?: string}): FnError {
    return new FnError('CLUSTER_UNREACHABLE', 'clusterUnreachable', `cannot reach the Kubernetes API at ${this.server.origin} (context "${this.contextName}"): ${e.code ?? e.message}`, {
      cause: e,
      suggestion: 'check that the cluster is running and that this context is right (kubectl --context ' + this.contextName + ' get namespaces), or pick another with --context',
      details: {server: this.server.origin, context: this.contextName, error: e.code ?? e.message},
    });
  }

  private timedOut(method: string, url: URL, waitedMs: number): FnError {
    return new FnError('CLUSTER_TIMEOUT', 'clusterUnreachable', `the Kubernetes API at ${this.server.origin} (context "${this.contextName}") did not answer ${method} ${url.pathname} within ${ms(waitedMs)}`, {
      suggestion: `check that the cluster is up and reachable (kubectl --context ${this.contextName} get --raw /readyz); if it is only slow, ${API_TIMEOUT_ENV}=${Math.max(waitedMs * 2, DEFAULT_API_TIMEOUT_MS)} waits longer`,
      details: {server: this.server.origin, context: this.contextName, method, path: url.pathname, waitedMs},
    });
  }

  /**
   * One HTTP exchange under the bound: connect, send, headers, and (unless it is a 200 stream) the
   * body. Rejects with Timeout, Aborted or the socket's error.
   */
  private exchange(method: string, url: URL, body: string | undefined, contentType: string | undefined, accept: string, stream: boolean, credential: Credential, signal?: AbortSignal): Promise<Sent> {
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      let failure: Error | undefined;
      const req = transport.request(url, {
        agent: this.agentFor(credential),
        method,
        headers: {
          ...this.headers,
          ...credential.headers,
          Accept: accept,
          'User-Agent': 'fn',
          ...(body === undefined ? {} : {'Content-Type': contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body)}),
        },
      });
      const stop = (error: Error) => {
        failure ??= error;
        req.destroy(error);
      };
      const timer = setTimeout(() => stop(new Timeout()), this.timeoutMs);
      const onAbort = () => stop(new Aborted());
      signal?.addEventListener('abort', onAbort, {once: true});
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (stream && status === 200) {
          settle();
          return resolve({status, headers: response.headers, response, credential});
        }
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          settle();
          resolve({status, headers: response.headers, text: Buffer.concat(chunks).toString('utf8'), response, credential});
        });
        response.on('error', (e) => {
          settle();
          reject(failure ?? e);
        });
        // A connection closed before the body ended emits 'aborted'/'close' without 'end'.
        response.on('close', () => {
          if (!response.complete) {
            settle();
            reject(failure ?? Object.assign(new Error('the connection closed in the middle of the answer'), {code: 'ECONNRESET'}));
          }
        });
      });
      req.on('error', (e) => {
        settle();
        reject(failure ?? e);
      });
      if (signal?.aborted) onAbort();
      req.end(body);
    });
  }

  /**
   * A call: the exchange, sent again when that is safe (see retriable, RESET_CODES, 401 with renewed
   * credentials) within MAX_ATTEMPTS and MAX_RETRY_DELAY_MS. Resolves with the last answer, whatever
   * its status; rejects with an FnError (timeout, unreachable) or Aborted.
   */
  private async send(method: string, url: URL, init: {body?: string; contentType?: string; accept?: string; stream?: boolean; signal?: AbortSignal; label?: string}): Promise<Sent & {attempts: number; retryAfterMs?: number}> {
    const label = `${init.label ?? method} ${url.pathname}${url.search}`;
    let waited = 0;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const credential = await this.credentials.current();
      const started = Date.now();
      let sent: Sent;
      try {
        sent = await this.exchange(method, url, init.body, init.contentType, init.accept ?? 'application/json', Boolean(init.stream), credential, init.signal);
      } catch (e) {
        const took = Date.now() - started;
        if (e instanceof Aborted) throw e;
        if (e instanceof Timeout) {
          traceLine(`${label} → no answer within ${ms(this.timeoutMs)}`);
          throw this.timedOut(method, url, this.timeoutMs);
        }
        const code = (e as {code?: string}).code ?? '';
        const delay = backoff(attempt);
        if (method === 'GET' && RESET_CODES.has(code) && attempt < MAX_ATTEMPTS && waited + delay <= MAX_RETRY_DELAY_MS) {
          traceLine(`${label} → ${code} (${took} ms), again in ${ms(delay)}`);
          if (!(await pause(delay, init.signal))) throw new Aborted();
          waited += delay;
          continue;
        }
        traceLine(`${label} → ${code || (e as Error).message} (${took} ms)`);
        throw this.unreachable(e as Error);
      }
      const took = ` (${Date.now() - started} ms)`;
      if (sent.status === 401 && !renewed) {
        // Credentials expire (exec plugins, rotated token files): renew once and send again; a 401 means nothing was done.
        const fresh = await this.credentials.refresh(credential);
        if (fresh) {
          renewed = true;
          traceLine(`${label} → 401${took}, again with renewed credentials`);
          attempt -= 1;
          continue;
        }
      }
      if (retriable(method, sent.status)) {
        const status = parseStatus(sent.text);
        const asked = retryAfterMs(header(sent.headers['retry-after']), status);
        const delay = asked ?? backoff(attempt);
        if (attempt < MAX_ATTEMPTS && waited + delay <= MAX_RETRY_DELAY_MS) {
          traceLine(`${label} → ${sent.status}${took}, again in ${ms(delay)}${asked === undefined ? '' : ' (Retry-After)'}`);
          if (!(await pause(delay, init.signal))) throw new Aborted();
          waited += delay;
          continue;
        }
        traceLine(`${label} → ${sent.status}${took}`);
        return {...sent, attempts: attempt, ...(asked !== undefined && waited + asked > MAX_RETRY_DELAY_MS ? {retryAfterMs: asked} : {})};
      }
      traceLine(`${label} → ${sent.status}${init.stream && sent.status === 200 ? ' (stream)' : took}`);
      return {...sent, attempts: attempt};
    }
  }

  /** One API call; JSON in and out. Errors: KubeApiError (HTTP status) or FnError (timeout, unreachable). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let sent;
    try {
      sent = await this.send(method, url, {body, contentType: options.contentType, signal: options.signal});
    } catch (e) {
      if (e instanceof Aborted) throw options.signal?.reason ?? e;
      throw e;
    }
    let parsed: unknown;
    try {
      parsed = sent.text ? JSON.parse(sent.text) : undefined;
    } catch {
      parsed = {message: sent.text!.slice(0, 500)};
    }
    if (sent.status >= 400) throw apiError(sent, (parsed as KubeStatus) ?? {}, method, url.pathname);
    return parsed as T;
  }

  /**
   * A plain-text stream (a pod's log): calls onLine for each line until the server ends it or the
   * signal aborts. A non-200 answer throws KubeApiError with the server's message. A log that is not
   * followed must keep coming: no bytes for the request bound is a timeout.
   */
  async lines(path: string, query: RequestOptions['query'], onLine: (line: string) => void, signal?: AbortSignal): Promise<'ended' | 'aborted'> {
    const url = this.url(path, query);
    if (signal?.aborted) return 'aborted';
    let sent;
    try {
      sent = await this.send('GET', url, {accept: 'text/plain, application/json;q=0.9, */*;q=0.8', stream: true, signal});
    } catch (e) {
      if (e instanceof Aborted) return 'aborted';
      throw e;
    }
    if (sent.status !== 200) throw apiError(sent, parseStatus(sent.text) ?? {message: sent.text?.slice(0, 500)}, 'GET', url.pathname);
    const end = await readLines(
      sent.response,
      signal,
      (line) => {
        onLine(line.replace(/\r$/, ''));
        return false;
      },
      {partialLast: true, ...(query?.follow ? {} : {quietMs: this.timeoutMs})},
    );
    if (end === 'quiet') throw this.timedOut('GET', url, this.timeoutMs);
    return end === 'done' || end === 'closed' ? 'ended' : end;
  }

  /**
   * One watch request: calls onEvent for each event until the server ends the stream, onEvent returns
   * true (done), or the signal aborts. 410 Gone (the version is too old) and ERROR events are
   * `expired`: the caller lists again. A non-200 answer throws KubeApiError with the server's message.
   * The server ends a watch at its timeoutSeconds; one it does not end by then plus the request
   * bound is broken (a proxy holding a dead connection), and fn ends it: `ended`, to be resumed.
   */
  async watch<T>(path: string, query: RequestOptions['query'], onEvent: (event: WatchEvent<T>) => boolean, signal?: AbortSignal): Promise<WatchOutcome> {
    const seconds = Number(query?.timeoutSeconds ?? DEFAULT_WATCH_SECONDS);
    const url = this.url(path, {...query, timeoutSeconds: seconds, watch: 1, allowWatchBookmarks: true});
    const started = Date.now();
    if (signal?.aborted) return 'aborted';
    let sent;
    try {
      sent = await this.send('GET', url, {stream: true, signal, label: 'WATCH'});
    } catch (e) {
      if (e instanceof Aborted) return 'aborted';
      throw e;
    }
    if (sent.status === 410) return 'expired';
    if (sent.status !== 200) throw apiError(sent, parseStatus(sent.text) ?? {message: sent.text?.slice(0, 500)}, 'WATCH', url.pathname);
    let expired = false;
    let end: Awaited<ReturnType<typeof readLines>> | undefined;
    try {
      end = await readLines(
        sent.response,
        signal,
        (line) => {
          if (!line.trim()) return false;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === 'ERROR') return (expired = true);
          return onEvent(event);
        },
        {partialLast: false, closeAfterMs: seconds * 1000 + this.timeoutMs},
      );
    } finally {
      if (trace.enabled) process.stderr.write(`[fn http]   watch closed after ${Date.now() - started} ms${end === 'closed' ? ` (by fn: the server did not end it at timeoutSeconds=${seconds})` : ''}\n`);
    }
    if (expired) return 'expired';
    if (end === 'ended' && Date.now() - started < QUICK_END_MS) {
      // A server (or proxy) that closes every stream at once must not turn the caller's resume into a busy loop.
      if (!(await pause(QUICK_END_MS - (Date.now() - started), signal))) return 'aborted';
    }
    return end === 'closed' || end === 'quiet' ? 'ended' : end;
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function parseStatus(text: string | undefined): KubeStatus | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as KubeStatus) : undefined;
  } catch {
    return undefined;
  }
}

function apiError(sent: {status: number; attempts: number; retryAfterMs?: number; text?: string}, status: KubeStatus, method: string, path: string): KubeApiError {
  return new KubeApiError(sent.status, status, method, path, {attempts: sent.attempts, ...(sent.retryAfterMs === undefined ? {} : {retryAfterMs: sent.retryAfterMs})});
}

/**
 * Reads a streamed answer line by line until it ends, `onLine` returns true ('done') or the signal
 * aborts. A connection reset mid-stream counts as an end: the caller re-reads and streams again.
 * `closeAfterMs`: fn ends the stream then ('closed'); `quietMs`: no bytes for that long ('quiet').
 */
async function readLines(
  response: http.IncomingMessage,
  signal: AbortSignal | undefined,
  onLine: (line: string) => boolean,
  options: {partialLast: boolean; closeAfterMs?: number; quietMs?: number},
): Promise<'done' | 'ended' | 'aborted' | 'closed' | 'quiet'> {
  let closedBy: 'closed' | 'quiet' | undefined;
  const abort = () => response.destroy();
  signal?.addEventListener('abort', abort, {once: true});
  // Aborted while the request was being answered: the listener above will never fire.
  if (signal?.aborted) abort();
  const closer = options.closeAfterMs === undefined ? undefined : setTimeout(() => ((closedBy = 'closed'), response.destroy()), options.closeAfterMs);
  let quiet: NodeJS.Timeout | undefined;
  const heard = () => {
    if (options.quietMs === undefined) return;
    clearTimeout(quiet);
    quiet = setTimeout(() => ((closedBy = 'quiet'), response.destroy()), options.quietMs);
  };
  heard();
  let buffer = '';
  try {
    for await (const chunk of response) {
      heard();
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
    if (closedBy) return closedBy;
    // A log's last line may lack its newline; a watch event cut off by a closed stream is dropped.
    if (buffer && options.partialLast && onLine(buffer)) return 'done';
  } catch (e) {
    if (signal?.aborted) return 'aborted';
    if (closedBy) return closedBy;
    if ((e as {code?: string}).code === 'ECONNRESET' || (e as Error).name === 'AbortError' || (e as {code?: string}).code === 'ERR_STREAM_PREMATURE_CLOSE') return 'ended';
    throw e;
  } finally {
    clearTimeout(closer);
    clearTimeout(quiet);
    signal?.removeEventListener('abort', abort);
  }
  if (signal?.aborted) return 'aborted';
  return closedBy ?? 'ended';
}
