// Send one request to a function (local or deployed) and read the answer; CloudEvents in binary mode
// through the cloudevents SDK (loaded only for --cloudevent), with the ce- header values percent-encoded
// as the HTTP binding requires and the SDK does not (fn's invokers do the same on their side:
// runtimes/conformance).
import {randomUUID} from 'node:crypto';
import {FnError} from './errors.js';
import {readinessOf, type Broker} from './eventing.js';
import {brokerNotFound} from './event-sync.js';
import {reachFunction, type FunctionEndpoint, type ReachLookups} from './ingress-address.js';
import type {Eventing} from './ports.js';

export interface InvokeRequest {
  url: string;
  data?: string | Buffer;
  contentType?: string;
  method?: string;
  headers?: Record<string, string>;
  cloudevent?: {type: string; source: string; id?: string};
  timeoutMs?: number;
  /**
   * Sends instead of fetch: set when the request must go through the cluster's ingress with the
   * function's Host header (fetch always sends the URL's host). Same contract as fetch: rejects only
   * when no answer came.
   */
  send?: (url: string, init: {method: string; headers: Record<string, string>; body?: string | Buffer; signal: AbortSignal}) => Promise<{status: number; statusText?: string; headers: Record<string, string>; body: string}>;
  /** Where the request really goes, for messages ("… via 127.77.0.1:80 (--ingress)"). */
  describeTarget?: string;
}

export interface InvokeResult {
  url: string;
  status: number;
  /** The answer's reason phrase ("Accepted"), when it had one. */
  statusText?: string;
  headers: Record<string, string>;
  body: string;
  /** The CloudEvent sent (--cloudevent, --broker). */
  sent?: {id: string; type: string; source: string; datacontenttype?: string};
  /** When the answer is a CloudEvent (binary or structured). */
  cloudevent?: Record<string, unknown>;
}

export async function invoke(request: InvokeRequest): Promise<InvokeResult> {
  let headers: Record<string, string> = {...request.headers};
  let body: string | Buffer | undefined = request.data;
  let sent: InvokeResult['sent'];
  const contentType = request.contentType ?? (request.data === undefined ? undefined : 'application/json');
  if (request.cloudevent) {
    const {CloudEvent, HTTP} = await import('cloudevents');
    let event: InstanceType<typeof CloudEvent>;
    try {
      event = new CloudEvent({
        id: request.cloudevent.id ?? randomUUID(),
        type: request.cloudevent.type,
        source: request.cloudevent.source,
        datacontenttype: contentType ?? 'application/json',
        data: request.data === undefined ? undefined : contentType?.includes('json') || !contentType ? tryJson(request.data.toString()) : request.data.toString(),
      });
    } catch (e: any) {
      // The SDK's validation: name the flag of each bad attribute.
      const problems: string[] = Array.isArray(e?.errors) ? e.errors.map((x: any) => `--${x.instancePath?.slice(1) || x.params?.missingProperty} ${x.message}`) : [String(e?.message ?? e)];
      throw new FnError('INVOKE_INVALID_CLOUDEVENT', 'usage', `not a valid CloudEvent: ${problems.join('; ')}`, {
        suggestion: 'pass --type and --source as non-empty strings, --source a URI reference such as /my/source or urn:my:source',
        cause: e,
      });
    }
    sent = {id: event.id, type: event.type, source: event.source, ...(event.datacontenttype ? {datacontenttype: event.datacontenttype} : {})};
    const message = HTTP.binary(event);
    headers = {...headers, ...mapCeHeaders(message.headers as Record<string, string>, encodeHeaderValue)};
    body = message.body as string;
  } else if (contentType) {
    headers['content-type'] = contentType;
  }
  const method = request.method ?? (body === undefined && !request.cloudevent ? 'GET' : 'POST');
  let status: number;
  let statusText: string | undefined;
  let text: string;
  let resHeaders: Record<string, string>;
  try {
    const signal = AbortSignal.timeout(request.timeoutMs ?? 30_000);
    if (request.send) {
      ({status, statusText, headers: resHeaders, body: text} = await request.send(request.url, {method, headers, body, signal}));
    } else {
      const res = await fetch(request.url, {method, headers, body, signal});
      text = await res.text();
      status = res.status;
      statusText = res.statusText;
      resHeaders = Object.fromEntries(res.headers.entries());
    }
  } catch (e: any) {
    const reason = e?.cause?.code ?? e?.name ?? e?.message;
    throw new FnError('INVOKE_UNREACHABLE', 'notFound', `could not reach ${request.describeTarget ?? request.url} (${reason})`, {
      suggestion: 'start the function with `fn run`, or pass --target with the right URL',
      cause: e,
    });
  }
  const result: InvokeResult = {url: request.url, status, ...(statusText ? {statusText} : {}), headers: resHeaders, body: text, ...(sent ? {sent} : {})};
  // Media types are case-insensitive and may carry parameters; the SDK looks its parser up by the exact value.
  const media = (resHeaders['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (resHeaders['ce-id'] || media.startsWith('application/cloudevents')) {
    const {HTTP} = await import('cloudevents');
    const replyHeaders = mapCeHeaders(resHeaders, decodeHeaderValue);
    if (media === 'application/cloudevents+json') replyHeaders['content-type'] = media;
    try {
      const event = HTTP.toEvent({headers: replyHeaders, body: text}) as any;
      result.cloudevent = Array.isArray(event) ? event[0]?.toJSON() : event.toJSON();
    } catch {
      // Not a readable event after all: the answer is shown as it came.
    }
  }
  return result;
}

function mapCeHeaders(headers: Record<string, string>, map: (value: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, name.toLowerCase().startsWith('ce-') ? map(String(value)) : value]));
}

/** HTTP binding 3.1.3.2: space, ", % and everything outside U+0021-U+007E as %XX of its UTF-8 bytes. */
function encodeHeaderValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e && ch !== '"' && ch !== '%') out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', {fatal: true});

/**
 * A reply's ce- header value: unquoted if it is a quoted-string, then percent-decoded; a % that starts no
 * escape is kept. A value that does not decode to UTF-8 is shown as it came (fn only displays it).
 */
function decodeHeaderValue(value: string): string {
  const text = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  const bytes = Buffer.from(text, 'latin1');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes[i] === 0x25 ? bytes.toString('latin1', i + 1, i + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(bytes[i]);
  }
  try {
    return utf8.decode(Uint8Array.from(out));
  } catch {
    return value;
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Where `fn invoke --broker` sends: the broker's address, and the ingress to send through when needed. */
export interface BrokerEndpoint extends FunctionEndpoint {
  broker: {name: string; namespace: string; url: string};
}

/** `svc.ns.svc.cluster.local` → the Service and namespace, for a port-forward hint. */
function clusterService(host: string): {name: string; namespace: string} | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host);
  return m ? {name: m[1], namespace: m[2]} : undefined;
}

/**
 * The broker's status.address.url, reached by ingress-address.ts's rule: --ingress / FN_INGRESS first,
 * else directly when its host resolves. There is nothing to discover: a broker's ingress is a
 * cluster-local Service, which no published ingress routes to.
 */
export async function brokerEndpoint(eventing: Eventing, ref: {name: string; namespace: string}, lookups: Pick<ReachLookups, 'explicit' | 'resolves'>): Promise<BrokerEndpoint> {
  const broker: Broker | undefined = await eventing.broker(ref.namespace, ref.name);
  if (!broker) throw brokerNotFound(ref.name, ref.namespace);
  const url = broker.status?.address?.url;
  if (!url) {
    const r = readinessOf(broker);
    throw new FnError('BROKER_NOT_READY', 'notReady', `broker "${ref.name}" in namespace "${ref.namespace}" has no address yet (Ready ${r.ready}${r.reason ? `: ${r.reason}` : ''}${r.message ? `: ${r.message}` : ''})`, {
      suggestion: `kubectl describe broker ${ref.name} -n ${ref.namespace}`,
      details: {broker: ref.name, namespace: ref.namespace, ...r},
    });
  }
  const endpoint = await reachFunction(url, {...lookups, discover: async () => undefined}).catch((e) => {
    if (!(e instanceof FnError) || e.code !== 'NO_INGRESS') throw e;
    const host = new URL(url).hostname;
    const service = clusterService(host);
    const forward = service ? ` (e.g. kubectl port-forward -n ${service.namespace} svc/${service.name} 8080:80, then --ingress 127.0.0.1:8080)` : '';
    throw new FnError('NO_INGRESS', 'noIngress', `broker "${ref.name}" is at ${url}, and ${host} does not resolve from here (a cluster-local address)`, {
      suggestion: `send through an HTTP proxy or a port-forward into the cluster: --ingress HOST[:PORT] or FN_INGRESS=HOST[:PORT]${forward}`,
      details: {host, broker: ref.name, namespace: ref.namespace, url},
    });
  });
  return {...endpoint, broker: {name: ref.name, namespace: ref.namespace, url}};
}
