// fn next to another tool on the same Service, against the real local Knative. kn is not installed:
// "another tool" writes the Service as kn does, an update (merge patch) by its own field manager,
// so the API server records field ownership as it would for kn. Real images from the test registry.
// Needs `npm run build`, test/cluster/up.sh and test/env/docker-up.sh.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {execa} from 'execa';
import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fnBin, runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterEnv, TestCluster, type KObject} from '../support/knative-env.js';
import {digest} from '../support/test-image.js';

const TIMEOUT = 240_000;
const cluster = new TestCluster();

async function project(name: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-other-tools-')), name);
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  return dir;
}

/** fn in `dir` against namespace `ns`, --json parsed. */
const fnIn = (dir: string, ns: string) => (args: string[]) => runFnJson([...args, '--path', dir, '-n', ns], {env: clusterEnv()});

/** Shares per revision (percent > 0) in a block. */
const shares = (traffic: {revisionName?: string; latestRevision?: boolean; percent?: number}[] = []) =>
  traffic.filter((t) => (t.percent ?? 0) > 0).map((t) => [t.revisionName ?? '@latest', t.percent]);

/** The managers that own spec.traffic. */
const trafficOwners = (service: KObject | undefined) =>
  ((service?.metadata.managedFields ?? []) as {manager: string; subresource?: string; fieldsV1?: {'f:spec'?: Record<string, unknown>}}[])
    .filter((m) => !m.subresource && m.fieldsV1?.['f:spec']?.['f:traffic'])
    .map((m) => m.manager);

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(() => cluster.cleanup());

describe('fn rollback undoes the last traffic change', () => {
  test('deploy A; B --tag v2 --no-traffic; A\' --tag v3 --no-traffic; --split v1=80,v3=20; rollback: v1 serves 100% again, v2 (never served) nothing', async () => {
    const ns = await cluster.namespace('fn-undo');
    const fn = fnIn(await project('undo'), ns);
    const a = await fn(['deploy', '--image', digest('undo-a'), '--tag', 'v1']);
    expectExit(a, 0);
    expect((await fn(['deploy', '--image', digest('undo-b'), '--tag', 'v2', '--no-traffic'])).exitCode).toBe(0);
    const a2 = await fn(['deploy', '--image', digest('undo-a2'), '--tag', 'v3', '--no-traffic']);
    expectExit(a2, 0);
    expect((await fn(['traffic', '--split', 'v1=80,v3=20'])).exitCode).toBe(0);

    const rollback = await fn(['rollback']);
    expectExit(rollback, 0);
    expect(rollback.json).toMatchObject({changed: true, from: a2.json.revision, to: a.json.revision, restored: [{revisionName: a.json.revision, percent: 100}]});
    const service = await cluster.get('services', ns, 'undo');
    expect(shares(service?.status?.traffic)).toEqual([[a.json.revision, 100]]);
    expect(service?.status?.traffic.map((t: {tag?: string}) => t.tag).filter(Boolean).sort()).toEqual(['v1', 'v2', 'v3']);

    // Another tool moves traffic: fn's record no longer describes what serves, so rollback guesses nothing.
    const v2 = service!.spec.traffic.find((t: {tag?: string}) => t.tag === 'v2').revisionName;
    await cluster.mergePatch('services', ns, 'undo', {spec: {traffic: [{revisionName: v2, percent: 100, tag: 'v2'}]}}, 'kn');
    const refused = await fn(['rollback']);
    expectExit(refused, 8);
    expect(refused.json.error).toMatchObject({code: 'NO_PREVIOUS_SPLIT'});
    expect(refused.json.error.suggestion).toContain('fn rollback REVISION --name undo');
    expect(shares((await cluster.get('services', ns, 'undo'))?.spec.traffic)).toEqual([[v2, 100]]);
  }, TIMEOUT);
});

describe('revision names cover what another tool left on the template', () => {
  test('kn --concurrency-limit 10 --scale-min 1 (new name), then fn deploy --force of the same inputs: a new Ready revision with them, named for them; again: unchanged', async () => {
    const ns = await cluster.namespace('fn-kept');
    const fn = fnIn(await project('kept'), ns);
    const image = digest('kept-a');
    const first = await fn(['deploy', '--image', image]);
    expectExit(first, 0);
    await cluster.mergePatch(
      'services',
      ns,
      'kept',
      {spec: {template: {metadata: {name: 'kept-kn-00002', annotations: {'autoscaling.knative.dev/min-scale': '1'}}, spec: {containerConcurrency: 10}}}},
      'kn',
    );
    await until(() => cluster.get('services', ns, 'kept'), (s) => s?.status?.latestReadyRevisionName === 'kept-kn-00002', 'kn\'s revision');

    // kn set the template's name: fn would change it, so without --force that is kn's field (exit 3).
    const conflict = await fn(['deploy', '--image', image]);
    expectExit(conflict, 3);
    const forced = await fn(['deploy', '--image', image, '--force']);
    expectExit(forced, 0);
    expect(forced.json).toMatchObject({newRevision: true, ready: true});
    expect(forced.json.revision).not.toBe(first.json.revision);
    const revision = await cluster.get('revisions', ns, forced.json.revision);
    expect(revision?.spec.containerConcurrency).toBe(10);
    expect(revision?.metadata.annotations?.['autoscaling.knative.dev/min-scale']).toBe('1');

    const again = await fn(['deploy', '--image', image, '--force']);
    expectExit(again, 0);
    expect(again.json).toMatchObject({revision: forced.json.revision, newRevision: false, ready: true});
  }, TIMEOUT);
});

describe('spec.traffic another tool wrote', () => {
  test('revisionName "latest" (no such revision): --split latest=90,v2=10 is an unknown key (exit 8), not "already routes"', async () => {
    const ns = await cluster.namespace('fn-broken');
    const fn = fnIn(await project('broken'), ns);
    const v1 = await fn(['deploy', '--image', digest('broken-a'), '--tag', 'v1']);
    expectExit(v1, 0);
    const v2 = await fn(['deploy', '--image', digest('broken-b'), '--tag', 'v2', '--no-traffic']);
    expectExit(v2, 0);
    await cluster.mergePatch('services', ns, 'broken', {spec: {traffic: [{revisionName: 'latest', percent: 90}, {revisionName: v2.json.revision, percent: 10, tag: 'v2'}]}}, 'kn');
    await until(() => cluster.get('services', ns, 'broken'), (s) => s?.status?.conditions?.some((c: {type: string; status: string}) => c.type === 'Ready' && c.status === 'False'), 'the route to fail');

    const split = await fn(['traffic', '--split', 'latest=90,v2=10']);
    expectExit(split, 8);
    expect(split.json.error.code).toBe('UNKNOWN_TRAFFIC_KEY');
    expect(split.json.error.message).toContain('"latest" is not a tag, revision or generation of broken');
    // A split of revisions that exist repairs it (kn's block has no v1 tag any more: the name then).
    expect((await fn(['traffic', '--split', `${v1.json.revision}=90,v2=10`])).exitCode).toBe(0);
  }, TIMEOUT);
});

describe('fn deploy --no-traffic does not claim the split', () => {
  test('after kn pinned the split: no conflict, the split and its owner stay; after kn set @latest 100%: the new revision still takes 0%', async () => {
    const ns = await cluster.namespace('fn-keep');
    const fn = fnIn(await project('keep'), ns);
    const a = await fn(['deploy', '--image', digest('keep-a')]);
    expectExit(a, 0);
    await cluster.mergePatch('services', ns, 'keep', {spec: {traffic: [{revisionName: a.json.revision, percent: 100, tag: 'stable'}]}}, 'kn');

    const b = await fn(['deploy', '--image', digest('keep-b'), '--no-traffic']);
    expectExit(b, 0);
    let service = await cluster.get('services', ns, 'keep');
    expect(shares(service?.spec.traffic)).toEqual([[a.json.revision, 100]]);
    expect(trafficOwners(service)).toEqual(['kn']);

    // A tag for the new revision is a change of spec.traffic: fn makes it (and so takes the field).
    const c = await fn(['deploy', '--image', digest('keep-c'), '--no-traffic', '--tag', 'v3']);
    expectExit(c, 0);
    service = await cluster.get('services', ns, 'keep');
    expect(shares(service?.status?.traffic)).toEqual([[a.json.revision, 100]]);
    expect(service?.spec.traffic.find((t: {tag?: string}) => t.tag === 'v3').revisionName).toBe(c.json.revision);

    await cluster.mergePatch('services', ns, 'keep', {spec: {traffic: [{latestRevision: true, percent: 100}]}}, 'kn');
    await until(() => cluster.get('services', ns, 'keep'), (s) => s?.status?.observedGeneration === s?.metadata.generation && s?.status?.traffic?.[0]?.latestRevision === true, 'kn\'s split routed');
    const d = await fn(['deploy', '--image', digest('keep-d'), '--no-traffic']);
    expectExit(d, 0);
    service = await cluster.get('services', ns, 'keep');
    expect(shares(service?.status?.traffic)).toEqual([[c.json.revision, 100]]);
  }, TIMEOUT);
});

describe('a split overwritten while fn waits for it', () => {
  test('exit 3 TRAFFIC_OVERWRITTEN with what it wrote and what is live; the other writer\'s split stands', async () => {
    const ns = await cluster.namespace('fn-race');
    const dir = await project('race');
    const fn = fnIn(dir, ns);
    const a = await fn(['deploy', '--image', digest('race-a'), '--tag', 'v1']);
    expectExit(a, 0);
    // v2 never becomes ready (it listens on the wrong port), so Knative does not route a split with it
    // for a while: the window in which another tool writes.
    const v2 = await fn(['deploy', '--image', digest('race-slow', {listenOn: 9999}), '--tag', 'v2', '--no-traffic', '--no-wait']);
    expectExit(v2, 0);

    const ours = execa('node', [fnBin, 'traffic', '--split', 'v1=90,v2=10', '--path', dir, '-n', ns, '--json'], {reject: false, stdin: 'ignore', env: {CI: 'true', ...clusterEnv()}});
    await until(() => cluster.get('services', ns, 'race'), (s) => (s?.spec.traffic ?? []).some((t: {tag?: string; percent?: number}) => t.tag === 'v2' && t.percent === 10), 'fn\'s split written');
    const theirs = [{revisionName: a.json.revision, percent: 100, tag: 'v1'}];
    await cluster.mergePatch('services', ns, 'race', {spec: {traffic: theirs}}, 'kn');

    const result = await ours;
    expectExit(result, 3);
    const error = JSON.parse(String(result.stdout)).error;
    expect(error.code).toBe('TRAFFIC_OVERWRITTEN');
    expect(shares(error.details.written)).toEqual([[a.json.revision, 90], [v2.json.revision, 10]]);
    expect(shares(error.details.live)).toEqual([[a.json.revision, 100]]);
    expect(shares((await cluster.get('services', ns, 'race'))?.spec.traffic)).toEqual([[a.json.revision, 100]]);
  }, TIMEOUT);
});
