// Send one request to a function (local or deployed) and read the answer; CloudEvents in binary mode
// through the cloudevents SDK (loaded only for --cloudevent).
import {randomUUID} from 'node:crypto';
import {FnError} from './errors.js';

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
  send?: (url: string, init: {method: string; headers: Record<string, string>; body?: string | Buffer; signal: AbortSignal}) => Promise<{status: number; headers: Record<string, string>; body: string}>;
  /** Where the request really goes, for messages ("… via 127.77.0.1:80 (--ingress)"). */
  describeTarget?: string;
}

export interface InvokeResult {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** When the answer is a CloudEvent (binary or structured). */
  cloudevent?: Record<string, unknown>;
}

export async function invoke(request: InvokeRequest): Promise<InvokeResult> {
  let headers: Record<string, string> = {...request.headers};
  let body: string | Buffer | undefined = request.data;
  const contentType = request.contentType ?? (request.data === undefined ? undefined : 'application/json');
  if (request.cloudevent) {
    const {CloudEvent, HTTP} = await import('cloudevents');
    const event = new CloudEvent({
      id: request.cloudevent.id ?? randomUUID(),
      type: request.cloudevent.type,
      source: request.cloudevent.source,
      datacontenttype: contentType ?? 'application/json',
      data: request.data === undefined ? undefined : contentType?.includes('json') || !contentType ? tryJson(request.data.toString()) : request.data.toString(),
    });
    const message = HTTP.binary(event);
    headers = {...headers, ...(message.headers as Record<string, string>)};
    body = message.body as string;
  } else if (contentType) {
    headers['content-type'] = contentType;
  }
  const method = request.method ?? (body === undefined && !request.cloudevent ? 'GET' : 'POST');
  let status: number;
  let text: string;
  let resHeaders: Record<string, string>;
  try {
    const signal = AbortSignal.timeout(request.timeoutMs ?? 30_000);
    if (request.send) {
      ({status, headers: resHeaders, body: text} = await request.send(request.url, {method, headers, body, signal}));
    } else {
      const res = await fetch(request.url, {method, headers, body, signal});
      text = await res.text();
      status = res.status;
      resHeaders = Object.fromEntries(res.headers.entries());
    }
  } catch (e: any) {
    const reason = e?.cause?.code ?? e?.name ?? e?.message;
    throw new FnError('INVOKE_UNREACHABLE', 'notFound', `could not reach ${request.describeTarget ?? request.url} (${reason})`, {
      suggestion: 'start the function with `fn run`, or pass --target with the right URL',
      cause: e,
    });
  }
  const result: InvokeResult = {url: request.url, status, headers: resHeaders, body: text};
  if (resHeaders['ce-id'] || resHeaders['content-type']?.startsWith('application/cloudevents')) {
    const {HTTP} = await import('cloudevents');
    const event = HTTP.toEvent({headers: resHeaders, body: text}) as any;
    result.cloudevent = Array.isArray(event) ? event[0]?.toJSON() : event.toJSON();
  }
  return result;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
