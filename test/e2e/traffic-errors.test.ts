// fn traffic's rules against the real control plane: everything is checked before anything changes
// (an unknown key never becomes a hanging wait), tags are kept, 0% untagged entries are dropped, and
// writes are guarded by resourceVersion. Needs `npm run build` and test/cluster/up.sh.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {knative} from '../../src/factory.js';
import type {Progress} from '../../src/core/ports.js';
import {changeTraffic} from '../../src/core/traffic-change.js';
import {computeTraffic, parseTrafficRequest} from '../../src/core/traffic.js';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterEnv, digest, kubeconfigPath, TestCluster} from '../support/knative-env.js';

const TIMEOUT = 180_000;
const silent: Progress = {step() {}, info() {}, warn() {}, detail() {}, status() {}};
const cluster = new TestCluster();
let ns: string;
let dir: string;
let v1: string;
let v2: string;

const traffic = (...args: string[]) => runFn(['traffic', ...args, '--path', dir, '-n', ns], {env: clusterEnv()});
const trafficJson = (...args: string[]) => runFnJson(['traffic', ...args, '--path', dir, '-n', ns], {env: clusterEnv()});
const service = () => cluster.get('services', ns, 'hello');
const specTraffic = async () => (await service())?.spec.traffic.map((t: any) => `${t.latestRevision ? '@latest' : t.revisionName}=${t.percent}${t.tag ? `(${t.tag})` : ''}`);

beforeAll(async () => {
  process.env.KUBECONFIG = kubeconfigPath(); // for the in-process adapter below
  ns = await cluster.namespace('fn-traffic');
  dir = join(await mkdtemp(join(tmpdir(), 'fn-traffic-')), 'hello');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  const first = await runFnJson(['deploy', '--path', dir, '-n', ns, '--image', digest('a1'), '--tag', 'v1'], {env: clusterEnv()});
  expectExit(first, 0);
  v1 = first.json.revision;
  const second = await runFnJson(['deploy', '--path', dir, '-n', ns, '--image', digest('b2'), '--tag', 'v2', '--no-traffic'], {env: clusterEnv()});
  expectExit(second, 0);
  v2 = second.json.revision;
}, TIMEOUT);
afterAll(() => cluster.cleanup());

describe('checked before the cluster is contacted (no kubeconfig needed)', () => {
  test.each([
    [['--split', 'v1=80,v2=10'], 'add up to 90, not 100 (v1=80, v2=10)'],
    [['--split', 'v1=90,v2=20'], 'add up to 110'],
    [['--split', 'v1=90.5,v2=9.5'], 'is not KEY=PERCENT'],
    [['--split', 'v1=50,v1=50'], 'names "v1" twice'],
    [['--tag', '1=a', '--tag', '2=a'], 'gives the tag "a" twice'],
    [['--tag', '1=Not_A_Tag'], 'is not a valid tag'],
  ])('%j → exit 2', async (args, message) => {
    const r = await runFn(['traffic', 'hello', ...args], {env: {KUBECONFIG: '/nonexistent'}});
    expectExit(r, 2);
    expect(r.stderr).toContain(message);
  });
});

describe('checked against the cluster before any change', () => {
  test('an unknown key fails (exit 8), lists revisions and tags, changes nothing', async () => {
    const before = (await service())?.metadata.resourceVersion;
    const r = await traffic('--split', 'v1=90,v3=10');
    expectExit(r, 8);
    expect(r.stderr).toContain('"v3" is not a tag, revision or generation of hello');
    expect(r.stderr).toContain('Tags: v1, v2');
    expect(r.stderr).toContain(`Revisions: ${v2} (2), ${v1} (1)`);
    expect(r.stderr).toContain('did you mean');
    expect((await service())?.metadata.resourceVersion).toBe(before);
  }, TIMEOUT);

  test('two keys naming one revision fail (exit 2)', async () => {
    const r = await traffic('--split', `v1=50,${v1}=50`);
    expectExit(r, 2);
    expect(r.stderr).toContain(`both name ${v1}`);
  }, TIMEOUT);

  test('untagging a tag that does not exist fails (exit 8)', async () => {
    const r = await traffic('--untag', 'nope');
    expectExit(r, 8);
    expect(r.stderr).toContain('has no tag "nope". Tags: v1, v2');
  }, TIMEOUT);

  test('--dry-run: the cluster validates, nothing changes', async () => {
    const before = (await service())?.metadata.resourceVersion;
    const r = await trafficJson('--split', 'v1=50,v2=50', '--dry-run');
    expectExit(r, 0);
    expect(r.json).toMatchObject({dryRun: true, changed: true});
    expect((await service())?.metadata.resourceVersion).toBe(before);
  }, TIMEOUT);
});

describe('the computed block', () => {
  test('generation keys (1, 00002) work; tags are kept at 0%', async () => {
    const r = await traffic('--split', '00002=100');
    expectExit(r, 0);
    expect(await specTraffic()).toEqual([`${v1}=0(v1)`, `${v2}=100(v2)`]);
  }, TIMEOUT);

  test('@latest as a key, and 0% entries without a tag are dropped', async () => {
    expect((await traffic('--split', '@latest=60,1=40')).exitCode).toBe(0);
    expect(await specTraffic()).toEqual([`${v1}=40(v1)`, `${v2}=0(v2)`, '@latest=60']);
    expect((await traffic('--split', 'v1=100,@latest=0')).exitCode).toBe(0);
    expect(await specTraffic()).toEqual([`${v1}=100(v1)`, `${v2}=0(v2)`]);
  }, TIMEOUT);

  test('untag, tag and split in one write (kn\'s order)', async () => {
    const r = await traffic('--untag', 'v2', '--tag', `${v2}=canary`, '--split', 'v1=80,canary=20');
    expectExit(r, 0);
    expect(await specTraffic()).toEqual([`${v1}=80(v1)`, `${v2}=20(canary)`]);
    const routed = (await service())?.status.traffic.find((t: any) => t.tag === 'canary');
    expect(routed.url).toContain('canary-hello.');
  }, TIMEOUT);
});

describe('optimistic concurrency (the real adapter, a real concurrent write)', () => {
  test('a write from a stale read is refused; the adapter reads again and the change is decided again', async () => {
    const {knative: adapter} = await knative({});
    const ref = {name: 'hello', namespace: ns};
    // Someone else changes the Service between every read and write: the adapter gives up with STALE_OBJECT.
    let raced = 0;
    await expect(
      adapter.update(ref, async (current) => {
        await cluster.mergePatch('services', ns, 'hello', {metadata: {annotations: {'example.com/touched': String(++raced)}}}, 'someone-else');
        return {kind: 'traffic', traffic: current!.traffic};
      }),
    ).rejects.toMatchObject({code: 'STALE_OBJECT', exitCode: 3});
    expect(raced).toBe(5);

    // changeTraffic: the first write is preceded by another writer, so it must retry on fresh state.
    let decisions = 0;
    const racing = Object.create(adapter, {
      update: {
        value: (r: typeof ref, decide: Parameters<typeof adapter.update>[1], options?: Parameters<typeof adapter.update>[2]) =>
          adapter.update(
            r,
            async (current, attempt) => {
              decisions++;
              const change = await decide(current, attempt);
              if (attempt === 1) await cluster.mergePatch('services', ns, 'hello', {metadata: {annotations: {'example.com/touched': 'last'}}}, 'someone-else');
              return change;
            },
            options,
          ),
      },
    });
    const request = parseTrafficRequest({split: ['v1=30,canary=70']});
    const result = await changeTraffic(racing, ref, (state) => computeTraffic(state, request), {wait: true, timeoutSeconds: 60}, silent);
    expect(decisions).toBe(2);
    expect(result.changed).toBe(true);
    expect(await specTraffic()).toEqual([`${v1}=30(v1)`, `${v2}=70(canary)`]);
    // The other writer's annotation survived: nothing was blindly overwritten.
    expect((await service())?.metadata.annotations?.['example.com/touched']).toBe('last');
  }, TIMEOUT);
});

describe('traffic writes keep what deploy applied', () => {
  test('template, labels and image are untouched by fn traffic', async () => {
    const before = await service();
    expect((await traffic('--split', 'v1=100')).exitCode).toBe(0);
    const after = await service();
    expect(after?.spec.template).toEqual(before?.spec.template);
    expect(after?.metadata.labels).toEqual(before?.metadata.labels);
    expect(after?.status.latestCreatedRevisionName).toBe(v2);
  }, TIMEOUT);
});
