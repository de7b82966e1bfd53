// One HTTP request to a function through its cluster's ingress: the TCP connection goes to the
// ingress address, the Host header (and TLS server name) stays the function's own host, as a browser
// would send it once DNS pointed there. fetch cannot do this (it sets Host from the URL), so node:http.
import http from 'node:http';
import https from 'node:https';
import {lookup} from 'node:dns/promises';
import type {IngressAddress} from '../../core/ingress-address.js';

export interface ViaRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /**
   * Send the request line in absolute form (`POST http://host/path`), as a client of an HTTP proxy
   * does: for an address that forwards cluster-local hosts (a proxy into the cluster). Servers must
   * accept it too (RFC 9112 3.2.2), so a port-forward to the target answers as well.
   */
  absoluteForm?: boolean;
}

export interface ViaResponse {
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  body: string;
}

/** An error shaped like fetch's ("fetch failed" with cause.code), so callers report both alike. */
function networkError(e: NodeJS.ErrnoException, address: IngressAddress): Error {
  const err = new Error(`request to the ingress at ${address.host}:${address.port} failed: ${e.code ?? e.message}`) as Error & {cause: unknown};
  err.cause = e;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') err.name = e.name;
  return err;
}

export function requestVia(target: string, via: IngressAddress, init: ViaRequest = {}): Promise<ViaResponse> {
  const url = new URL(target);
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        host: via.host,
        port: via.port,
        method: init.method ?? 'GET',
        path: init.absoluteForm ? url.href : `${url.pathname}${url.search}`,
        headers: {...init.headers, host: url.host, ...(init.body === undefined ? {} : {'content-length': String(Buffer.byteLength(init.body))})},
        ...(secure ? {servername: url.hostname} : {}),
        signal: init.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(networkError(e, via)));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({status: res.statusCode ?? 0, ...(res.statusMessage ? {statusText: res.statusMessage} : {}), headers, body: Buffer.concat(chunks).toString('utf8')});
        });
      },
    );
    req.on('error', (e) => reject(networkError(init.signal?.aborted ? Object.assign(e, {name: (init.signal.reason as Error)?.name ?? e.name}) : e, via)));
    req.end(init.body);
  });
}

/** Whether a host name has an address (DNS or /etc/hosts); a slow resolver counts as no. */
export async function hostResolves(host: string, timeoutMs = 3000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([lookup(host).then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
