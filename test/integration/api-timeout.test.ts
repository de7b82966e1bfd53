// fn against a Kubernetes API server that accepts connections and never answers (a hung apiserver, a
// load balancer with no backend): every command that talks to it exits 7 within FN_API_TIMEOUT_MS,
// naming the server and the time waited, instead of hanging a CI job. Drives bin/run.js (npm run build).
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {mkdtempSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';

let server: net.Server;
const sockets = new Set<net.Socket>();
let url = '';
let kubeconfig = '';

beforeAll(async () => {
  // Accepts, reads, never writes a byte.
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'fn-hung-api-')), 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'hung', cluster: {server: url}}],
      users: [{name: 'u', user: {token: 't'}}],
      contexts: [{name: 'hung', context: {cluster: 'hung', user: 'u', namespace: 'team'}}],
      'current-context': 'hung',
    }),
  );
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a server that accepts and never answers', () => {
  test('fn list exits 7 within the bound, naming the server, the time waited and what to do', async () => {
    const started = Date.now();
    const r = await runFn(['list'], {env: {KUBECONFIG: kubeconfig, FN_API_TIMEOUT_MS: '1000'}, timeout: 30_000});
    const took = Date.now() - started;
    expectExit(r, 7);
    // 1 s of waiting plus the CLI's own start-up.
    expect(took).toBeLessThan(8000);
    expect(r.stderr).toContain(`the Kubernetes API at ${url} (context "hung") did not answer GET /apis/serving.knative.dev/v1/namespaces/team/`);
    expect(r.stderr).toContain('within 1s');
    expect(r.stderr).toMatch(/Try: .*FN_API_TIMEOUT_MS/);
  });

  test('fn describe --json: the same error as JSON', async () => {
    const r = await runFnJson(['describe', 'hello'], {env: {KUBECONFIG: kubeconfig, FN_API_TIMEOUT_MS: '500'}, timeout: 30_000});
    expectExit(r, 7);
    expect(r.json.error).toMatchObject({code: 'CLUSTER_TIMEOUT', exitCode: 7, details: {server: url, waitedMs: 500}});
  });

  test('a bad FN_API_TIMEOUT_MS is exit 2 naming it', async () => {
    const r = await runFn(['list'], {env: {KUBECONFIG: kubeconfig, FN_API_TIMEOUT_MS: '10s'}, timeout: 30_000});
    expectExit(r, 2);
    expect(r.stderr).toContain('FN_API_TIMEOUT_MS="10s" is not a positive whole number of milliseconds');
  });
});
