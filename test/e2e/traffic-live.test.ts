// Traffic splits measured on real answers: two revisions of a function that answers with the
// revision it runs as (K_REVISION), a 90/10 split made with `fn traffic`, then 1000 requests
// through the harness's ingress (test/cluster/data-plane/ingress.ts). As in Knative's KIngress
// conformance tests, each revision's share must be near its percent; tag URLs answer only their
// own revision. Needs `npm run build`, test/cluster/up.sh and test/env/docker-up.sh.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import http from 'node:http';
import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterEnv, DOMAIN, TestCluster} from '../support/knative-env.js';
import {digest} from '../support/test-image.js';

const TIMEOUT = 240_000;
const cluster = new TestCluster();
const ingress = process.env.FN_TESTENV_INGRESS;
let ns: string;
let dir: string;
const agent = new http.Agent({keepAlive: true, maxSockets: 8});

/** One GET through the ingress with the function's Host header: which revision answered. */
function revisionAnswering(host: string): Promise<string> {
  if (!ingress) throw new Error('FN_TESTENV_INGRESS is not set: source $FN_TESTENV_DIR/env (test/cluster/up.sh writes it)');
  const [address, port] = ingress.split(':');
  return new Promise((resolve, reject) => {
    const req = http.get({host: address, port: Number(port), path: '/', headers: {host}, agent}, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body).revision) : reject(new Error(`${host}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
  });
}

async function tally(host: string, requests: number, concurrency = 8): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let sent = 0;
  await Promise.all(
    Array.from({length: concurrency}, async () => {
      while (sent < requests) {
        sent += 1;
        const revision = await revisionAnswering(host);
        counts[revision] = (counts[revision] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

beforeAll(async () => {
  ns = await cluster.namespace('fn-live');
  dir = join(await mkdtemp(join(tmpdir(), 'fn-live-')), 'split');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
}, TIMEOUT);
afterAll(async () => {
  agent.destroy();
  await cluster.cleanup();
});

test('fn traffic --split v1=90,v2=10: 1000 requests through the ingress split 90/10 (±5 points); tag URLs answer only their revision', async () => {
  const fn = (args: string[]) => runFnJson([...args, '--path', dir, '-n', ns], {env: clusterEnv()});
  const v1 = await fn(['deploy', '--image', digest('live-v1'), '--tag', 'v1']);
  expectExit(v1, 0);
  const v2 = await fn(['deploy', '--image', digest('live-v2'), '--tag', 'v2', '--no-traffic']);
  expectExit(v2, 0);
  const host = `split.${ns}.${DOMAIN}`;

  // Before the split, every answer comes from v1.
  expect(await tally(host, 50)).toEqual({[v1.json.revision]: 50});

  const split = await fn(['traffic', '--split', 'v1=90,v2=10']);
  expectExit(split, 0);
  const counts = await tally(host, 1000);
  expect(Object.keys(counts).sort()).toEqual([v1.json.revision, v2.json.revision].sort());
  expect(Math.abs(counts[v1.json.revision] / 10 - 90)).toBeLessThanOrEqual(5);
  expect(Math.abs(counts[v2.json.revision] / 10 - 10)).toBeLessThanOrEqual(5);

  // Each tag's own host reaches only its revision.
  expect(await tally(`v1-split.${ns}.${DOMAIN}`, 40)).toEqual({[v1.json.revision]: 40});
  expect(await tally(`v2-split.${ns}.${DOMAIN}`, 40)).toEqual({[v2.json.revision]: 40});
  // Cluster-local names route like the public one.
  const local = await tally(`split.${ns}.svc.cluster.local`, 200);
  expect((local[v1.json.revision] ?? 0) + (local[v2.json.revision] ?? 0)).toBe(200);
}, TIMEOUT);
