// Events in the test cluster, as e2e tests send and read them: requests through the harness's ingress
// (absolute-form, as an HTTP_PROXY client sends; it routes *.svc.cluster.local and function hosts),
// CloudEvents posted to a broker, and what an event-sink Service (event-sink.ts) has received.
import http from 'node:http';
import type {ReceivedEvent} from './event-sink.js';
import {DOMAIN} from './knative-env.js';

export const BROKER_HOST = 'broker-ingress.knative-eventing.svc.cluster.local';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function ingressAddress(): {host: string; port: number} {
  const address = process.env.FN_TESTENV_INGRESS;
  if (!address) throw new Error('FN_TESTENV_INGRESS is not set: source $FN_TESTENV_DIR/env (test/cluster/up.sh writes it)');
  const [host, port] = address.split(':');
  return {host, port: Number(port || 80)};
}

/** One request through the ingress: absolute-form (`POST http://host/path`) with the Host header. */
export function viaIngress(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<{status: number; body: string}> {
  const u = new URL(url);
  const {host, port} = ingressAddress();
  return new Promise((resolve, reject) => {
    const req = http.request({host, port, method, path: u.href, headers: {host: u.host, ...headers}, timeout: 10_000}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({status: res.statusCode ?? 0, body: text}));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A binary-mode CloudEvent with JSON data to broker `broker` of `namespace`. */
export function sendToBroker(namespace: string, broker: string, event: {id: string; type: string; source?: string; data: unknown}) {
  return viaIngress(
    'POST',
    `http://${BROKER_HOST}/${namespace}/${broker}`,
    {'ce-specversion': '1.0', 'ce-id': event.id, 'ce-type': event.type, 'ce-source': event.source ?? '/fn/e2e', 'content-type': 'application/json'},
    JSON.stringify(event.data),
  );
}

/** What the event-sink Service `name` in `namespace` has received so far. */
export async function sinkEvents(namespace: string, name = 'sink'): Promise<ReceivedEvent[]> {
  const r = await viaIngress('GET', `http://${name}.${namespace}.${DOMAIN}/events`);
  return r.status === 200 ? (JSON.parse(r.body) as ReceivedEvent[]) : [];
}

/** Calls `fn` until it gives a value, every 500 ms, failing after timeoutMs with `explain()`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, explain?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${explain ? `: ${await explain()}` : ''}`);
    await sleep(500);
  }
}
