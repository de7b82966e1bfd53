// The kubelet's log endpoint, for the API server's `pods/log` (kubectl logs, fn logs):
// GET /containerLogs/{namespace}/{pod}/{container}?follow&tailLines&sinceSeconds&sinceTime&timestamps&previous&limitBytes
// over HTTPS with a certificate from the test CA, answered from `docker logs` (or a host process's
// log file, host.ts).
import https from 'node:https';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {followLogs, logLines, type LogLine} from './docker.js';
import {followHostLogs, hostLogLines, isHostId} from './host.js';
import {log} from './kube.js';
import {containerFor} from './node.js';

export function startLogServer(port: number): Promise<void> {
  const pki = process.env.FN_TESTENV_PKI ?? join(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv', 'pki');
  const server = https.createServer({cert: readFileSync(join(pki, 'kubelet.crt')), key: readFileSync(join(pki, 'kubelet.key'))}, (req, res) => {
    void serve(req.url ?? '/', res, req).catch((e) => {
      if (!res.headersSent) res.writeHead(500, {'content-type': 'text/plain'});
      res.end(String(e?.message ?? e));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      log('logs', `kubelet log endpoint on https://127.0.0.1:${port}`);
      resolve();
    });
  });
}

async function serve(url: string, res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage): Promise<void> {
  const u = new URL(url, 'https://kubelet');
  if (u.pathname === '/healthz') {
    res.end('ok');
    return;
  }
  const m = u.pathname.match(/^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/);
  if (!m) {
    res.writeHead(404, {'content-type': 'text/plain'}).end(`${u.pathname}: this test node serves only /containerLogs`);
    return;
  }
  const [ns, pod, container] = m.slice(1).map(decodeURIComponent);
  const q = u.searchParams;
  const id = containerFor(ns, pod, container, q.get('previous') === 'true');
  if (!id) {
    res.writeHead(400, {'content-type': 'text/plain'}).end(`container "${container}" in pod "${pod}" is waiting to start`);
    return;
  }
  const tail = q.has('tailLines') ? Number(q.get('tailLines')) : undefined;
  const since = q.get('sinceTime') ?? (q.has('sinceSeconds') ? `${q.get('sinceSeconds')}s` : undefined);
  const timestamps = q.get('timestamps') === 'true';
  let budget = q.has('limitBytes') ? Number(q.get('limitBytes')) : Infinity;
  const format = (l: LogLine) => `${timestamps && l.time ? `${l.time} ` : ''}${l.text}\n`;
  const write = (l: LogLine): boolean => {
    let text = format(l);
    if (text.length > budget) text = text.slice(0, budget);
    budget -= text.length;
    if (text) res.write(text);
    return budget > 0;
  };
  res.writeHead(200, {'content-type': 'text/plain'});
  if (q.get('follow') !== 'true') {
    for (const l of isHostId(id) ? hostLogLines(id, {tail, since}) : await logLines(id, {tail, since})) if (!write(l)) break;
    res.end();
    return;
  }
  if (isHostId(id)) {
    const f = followHostLogs(id, {tail, since}, (l) => {
      if (!write(l)) {
        f.stop();
        res.end();
      }
    });
    req.on('close', () => f.stop());
    return;
  }
  const child = followLogs(id, {tail, since}, (l) => {
    if (!write(l)) child.kill();
  }, () => res.end());
  req.on('close', () => child.kill());
}
