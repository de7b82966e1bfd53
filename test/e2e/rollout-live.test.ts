// fn rollout with its default health gate: requests to the canary's own tag URL, which does not
// resolve here, so fn finds the cluster's ingress and sends them there with the tag's Host header
// (test/cluster/data-plane/ingress.ts routes them to the canary's pod). A healthy canary reaches
// 100 %; a canary that answers 500 fails the gate on that real traffic and the prior split comes back;
// a rollout from source builds the changed function first.
// Needs `npm run build`, test/cluster/up.sh and test/env/docker-up.sh.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import {mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterFnEnv, initFunction} from '../support/function-project.js';
import {clusterEnv, TestCluster} from '../support/knative-env.js';
import {digest} from '../support/test-image.js';

const TIMEOUT = 240_000;
const cluster = new TestCluster();
let ns: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-rollout-live');
}, TIMEOUT);
afterAll(() => cluster.cleanup());

/** A function deployed once (v1, all traffic), ready for a rollout. */
async function deployed(name: string): Promise<{dir: string; v1: string}> {
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-rollout-live-')), name);
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  const r = await runFnJson(['deploy', '--path', dir, '-n', ns, '--image', digest(`${name}-v1`)], {env: clusterEnv()});
  expectExit(r, 0);
  return {dir, v1: r.json.revision};
}

const rollout = (name: string, dir: string, image: string) =>
  runFn(['rollout', name, '--path', dir, '-n', ns, '--image', image, '--steps', '20,100', '--interval', '1s', '--requests', '20', '--max-p95', '2s', '--timeout', '120s', '--json'], {env: clusterEnv()});

const events = (stdout: string) => stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

test('a healthy canary, gated on its own answers through the ingress, reaches 100 %', async () => {
  const {dir} = await deployed('healthy');
  const r = await rollout('healthy', dir, digest('healthy-v2'));
  expectExit(r, 0);
  const all = events(r.stdout);
  const gates = all.filter((e) => e.event === 'gate' || e.type === 'gate' || e.gate);
  expect(gates.length).toBeGreaterThan(0);
  const svc = await cluster.get('services', ns, 'healthy');
  const routed = (svc?.status?.traffic ?? []).filter((t: any) => t.percent > 0);
  expect(routed).toHaveLength(1);
  expect(routed[0].revisionName).toBe(svc?.status?.latestReadyRevisionName);
  // Knative now routes all traffic to the canary, which answers with its own seed.
  const answer = await runFnJson(['invoke', '--name', 'healthy', '-n', ns, '--target', 'remote'], {env: clusterEnv()});
  expectExit(answer, 0);
  expect(JSON.parse(answer.json.body)).toMatchObject({seed: 'healthy-v2', revision: routed[0].revisionName});
}, TIMEOUT);

test('a canary that answers 500 fails the gate on real traffic: exit 13 and the prior split is back', async () => {
  const {dir, v1} = await deployed('failing');
  const r = await rollout('failing', dir, digest('failing-v2', {status: 500}));
  expectExit(r, 13);
  const last = events(r.stdout).at(-1);
  expect(JSON.stringify(last)).toMatch(/error rate|500/);
  const svc = await cluster.get('services', ns, 'failing');
  const routed = (svc?.status?.traffic ?? []).filter((t: any) => t.percent > 0);
  expect(routed.map((t: any) => [t.revisionName, t.percent])).toEqual([[v1, 100]]);
}, TIMEOUT);

test('fn rollout from source: a one-line change is built, pushed, deployed at 0% under the tag and rolled out to 100 %', async () => {
  const dir = await initFunction('sourced', 'node');
  const env = clusterFnEnv();
  const first = await runFnJson(['deploy', '--path', dir, '-n', ns], {env});
  expectExit(first, 0);
  // Unchanged source and fn.yaml, already at 100% (a CI job run again): done, nothing written.
  const same = await runFnJson(['rollout', '--path', dir, '-n', ns], {env});
  expectExit(same, 0);
  expect(same.json).toMatchObject({event: 'done', status: 'unchanged', canary: first.json.revision, steps: []});

  const source = join(dir, 'index.js');
  await writeFile(source, (await readFile(source, 'utf8')).replace('`Hello ${name}`', '`Hello again ${name}`'));
  const r = await runFn(['rollout', '--path', dir, '-n', ns, '--steps', '50,100', '--interval', '1s', '--requests', '10', '--max-p95', '2s', '--timeout', '120s', '--json'], {env});
  expectExit(r, 0);
  const all = events(r.stdout);
  const deployedEvent = all.find((e) => e.event === 'deployed');
  expect(deployedEvent.image).toMatch(/\/e2e\/sourced@sha256:[0-9a-f]{64}$/);
  expect(deployedEvent.image).not.toBe(first.json.image);
  const done = all.at(-1);
  // The block before followed @latest, so the final one does too: Knative routes it to the canary.
  expect(done).toMatchObject({event: 'done', status: 'succeeded', image: deployedEvent.image, traffic: [{latestRevision: true, percent: 100}]});
  expect(done.canary).not.toBe(first.json.revision);
  const svc = await cluster.get('services', ns, 'sourced');
  expect((svc?.status?.traffic ?? []).filter((t: any) => t.percent > 0).map((t: any) => [t.revisionName, t.percent])).toEqual([[done.canary, 100]]);
  const answer = await runFnJson(['invoke', '--name', 'sourced', '-n', ns, '--target', 'remote'], {env});
  expect(JSON.parse(answer.json.body)).toEqual({message: 'Hello again world'});
}, 400_000);
