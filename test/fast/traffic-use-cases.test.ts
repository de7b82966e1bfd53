// fn traffic, fn rollback and fn deploy as use cases over the in-memory Knative port: the guarded
// read-decide-write, the retry on a concurrent writer, and the waits, without a cluster.
import {beforeEach, describe, expect, test} from '@jest/globals';
import {deploy} from '../../src/core/deploy.js';
import {FnError} from '../../src/core/errors.js';
import type {FunctionConfig} from '../../src/core/function.js';
import {buildManifests} from '../../src/core/manifests.js';
import type {Progress} from '../../src/core/ports.js';
import {changeTraffic} from '../../src/core/traffic-change.js';
import {computeTraffic, parseTrafficRequest, rollbackTraffic} from '../../src/core/traffic.js';
import {MemoryKnative} from './memory-knative.js';
import {rolloutAnnotation, serializeState, stateVersion, type RolloutState} from '../../src/core/rollout/state.js';

const ref = {name: 'hello', namespace: 'default'};
const config: FunctionConfig = {name: 'hello', runtime: 'node'};
const img = (n: string) => `registry.test/hello@sha256:${n.repeat(64)}`;
const notes: string[] = [];
const progress: Progress = {step: (m) => notes.push(m), info: (m) => notes.push(m), warn: (m) => notes.push(m), detail: (m) => notes.push(m), status: (m) => notes.push(m)};
const split = (value: string) => (state: Parameters<typeof computeTraffic>[0]) => computeTraffic(state, parseTrafficRequest({split: [value]}));
let knative: MemoryKnative;

async function fnError(promise: Promise<unknown>): Promise<FnError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FnError);
  return error as FnError;
}

beforeEach(() => {
  knative = new MemoryKnative();
  notes.length = 0;
  knative.seed('hello', img('1'), {revisionName: 'hello-00001'});
  knative.addRevision('hello', 'hello-00002');
});

describe('changeTraffic', () => {
  test('one write, then a watch until Knative routes it', async () => {
    const result = await changeTraffic(knative, ref, split('hello-00001=90,hello-00002=10'), {wait: true, timeoutSeconds: 5}, progress);
    expect(result).toMatchObject({changed: true, dryRun: false});
    expect(result.routed.map((t) => [t.revisionName, t.percent])).toEqual([['hello-00001', 90], ['hello-00002', 10]]);
    expect(knative.writes).toHaveLength(1);
  });

  test('another writer between the read and the write: read again, decide again, nothing overwritten blindly', async () => {
    knative.beforeWrite = (attempt) => {
      if (attempt === 1) knative.service('default', 'hello').rv++;
    };
    const result = await changeTraffic(knative, ref, split('hello-00001=50,hello-00002=50'), {wait: false, timeoutSeconds: 5}, progress);
    expect(result.changed).toBe(true);
    expect(knative.reads).toBe(2);
    expect(notes).toContain('hello changed while computing the split; reading it again');
  });

  test('a writer that never stops: STALE_OBJECT after the port\'s attempts, exit 3', async () => {
    knative.beforeWrite = () => void knative.service('default', 'hello').rv++;
    const error = await fnError(changeTraffic(knative, ref, split('hello-00001=50,hello-00002=50'), {wait: false, timeoutSeconds: 5}, progress));
    expect(error).toMatchObject({code: 'STALE_OBJECT', exitCode: 3});
    expect(knative.reads).toBe(5);
  });

  test('the split it already has: nothing written', async () => {
    knative.service('default', 'hello').traffic = [{revisionName: 'hello-00002', percent: 100}];
    const result = await changeTraffic(knative, ref, split('hello-00002=100'), {wait: true, timeoutSeconds: 5}, progress);
    expect(result.changed).toBe(false);
    expect(knative.writes).toHaveLength(0);
  });

  test('--dry-run: validated, not stored', async () => {
    const before = structuredClone(knative.service('default', 'hello').traffic);
    const result = await changeTraffic(knative, ref, split('hello-00001=100'), {dryRun: true, wait: true, timeoutSeconds: 5}, progress);
    expect(result).toMatchObject({changed: true, dryRun: true});
    expect(knative.service('default', 'hello').traffic).toEqual(before);
  });

  const crashLoop = {reason: 'CrashLoopBackOff', message: 'the function\'s container keeps exiting with code 1'};
  /** A pod look that finds the failure on its `failOnCall`-th call, and otherwise waits until aborted. */
  const diagnosis = (failOnCall: number) => {
    let calls = 0;
    return (_ns: string, _revision: string, signal: AbortSignal) => {
      calls += 1;
      if (calls === failOnCall) return Promise.resolve(crashLoop);
      return new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined), {once: true}));
    };
  };

  test('a target revision whose pods cannot start is refused before anything is written (exit 11)', async () => {
    knative.setRevision('hello-00002', {ready: 'Unknown'});
    const error = await fnError(changeTraffic(knative, ref, split('hello-00001=90,hello-00002=10'), {wait: true, timeoutSeconds: 5, diagnose: diagnosis(1)}, progress));
    expect(error).toMatchObject({code: 'REVISION_FAILED', exitCode: 11});
    expect(error.message).toContain('revision hello-00002: CrashLoopBackOff');
    expect(knative.writes).toHaveLength(0);
  });

  test('a target that fails while the split is being routed: the split from before is put back (exit 11)', async () => {
    knative.setRevision('hello-00002', {ready: 'Unknown'});
    const before = structuredClone(knative.service('default', 'hello').traffic);
    const error = await fnError(changeTraffic(knative, ref, split('hello-00001=90,hello-00002=10'), {wait: true, timeoutSeconds: 30, diagnose: diagnosis(2)}, progress));
    expect(error).toMatchObject({code: 'REVISION_FAILED', exitCode: 11});
    expect(knative.writes).toHaveLength(2);
    expect(knative.service('default', 'hello').traffic).toEqual(before);
    expect(notes.some((n) => n.includes('the split from before was put back'))).toBe(true);
  }, 15_000);

  test('no such function: FUNCTION_NOT_FOUND, exit 8', async () => {
    const error = await fnError(changeTraffic(knative, {name: 'other', namespace: 'default'}, split('x=100'), {wait: false, timeoutSeconds: 5}, progress));
    expect(error).toMatchObject({code: 'FUNCTION_NOT_FOUND', exitCode: 8, message: 'no function "other" in namespace "default"'});
  });

  test('rollback with no record of an earlier split (deployed by another tool): refused, exit 8; a named revision still works', async () => {
    const error = await fnError(changeTraffic(knative, ref, (state) => rollbackTraffic(state), {wait: true, timeoutSeconds: 5}, progress));
    expect(error).toMatchObject({code: 'NO_PREVIOUS_SPLIT', exitCode: 8});
    expect(error.message).toContain('fn has no record of what served hello before its current split');
    expect(knative.writes).toHaveLength(0);
    const result = await changeTraffic(knative, ref, (state) => rollbackTraffic(state, '1'), {wait: true, timeoutSeconds: 5, by: 'rollback'}, progress);
    expect(result.traffic).toEqual([{revisionName: 'hello-00001', latestRevision: false, percent: 100}]);
  });
});

describe('deploy', () => {
  const request = (image: string, extra: object = {}) => ({config, image, namespace: 'default', routing: 'service' as const, wait: true, timeoutSeconds: 5, ...extra});

  test('a first deploy creates the function and waits until its named revision is Ready', async () => {
    const result = await deploy(knative, request(img('3'), {config: {...config, name: 'fresh'}}), progress);
    const revision = buildManifests({...config, name: 'fresh'}, {image: img('3')}).revisionName;
    expect(result).toMatchObject({service: 'fresh', revision, newRevision: true, ready: true});
  });

  test('the same inputs again: no new revision, no second template write', async () => {
    await deploy(knative, request(img('3')), progress);
    const again = await deploy(knative, request(img('3')), progress);
    expect(again).toMatchObject({newRevision: false, ready: true});
    expect(notes.at(-1)).toContain('is unchanged');
  });

  test('a plain deploy during a 90/10 canary keeps the split and says so; --all-traffic sends the new revision 100%', async () => {
    await changeTraffic(knative, ref, split('hello-00001=90,hello-00002=10'), {wait: true, timeoutSeconds: 5}, progress);
    const kept = await deploy(knative, request(img('5')), progress);
    expect(kept.traffic.map((t) => [t.revisionName, t.percent])).toEqual([['hello-00001', 90], ['hello-00002', 10]]);
    expect(notes.some((n) => n.startsWith('traffic is split or pinned (hello-00001 90%, hello-00002 10%): kept as it is'))).toBe(true);
    const moved = await deploy(knative, request(img('6'), {allTraffic: true}), progress);
    expect(moved.traffic.map((t) => [t.revisionName, t.percent])).toEqual([[moved.revision, 100]]);
  });

  test('a deploy during a fn rollout is refused (exit 3) with its state and the ways out; nothing written', async () => {
    const rollout: RolloutState = {
      version: stateVersion,
      id: 'r1',
      canary: {revisionName: 'hello-00002', tag: 'canary'},
      prior: [{revisionName: 'hello-00001', percent: 100}],
      followLatest: true,
      steps: [10, 100],
      step: 0,
      status: 'running',
      settings: {intervalMs: 1000, requests: 1, maxErrorRate: 0.01, maxP95Ms: 500, timeoutMs: 5000, keepTag: false, check: {kind: 'http', path: '/'}},
      owner: {pid: 1, host: 'ci'},
      startedAt: '2026-12-01T00:00:00Z',
      updatedAt: '2026-12-01T00:00:00Z',
    };
    knative.otherTool('fn', {annotations: {[rolloutAnnotation]: serializeState(rollout)}});
    const writes = knative.writes.length;
    const refused = await fnError(deploy(knative, request(img('7')), progress));
    expect([refused.code, refused.exitCode]).toEqual(['ROLLOUT_IN_PROGRESS', 3]);
    expect(refused.message).toContain('hello has a rollout in progress (hello-00002 running, step 1/2');
    expect(refused.suggestion).toBe('fn rollout status hello; fn rollout abort hello (back to the split before it) or fn rollout promote hello, then deploy');
    expect(knative.writes.length).toBe(writes);
  });

  test('--no-traffic pins what @latest routes now; the new revision takes 0%', async () => {
    const result = await deploy(knative, request(img('4'), {noTraffic: true, tag: 'next'}), progress);
    expect(knative.service('default', 'hello').traffic).toEqual([
      {revisionName: 'hello-00002', latestRevision: false, percent: 100},
      {revisionName: result.revision, latestRevision: false, percent: 0, tag: 'next'},
    ]);
  });

  test('a revision that fails: exit 11 with its reason', async () => {
    knative.nextRevision = {ready: 'False', reason: 'ExitCode1', message: 'container exited'};
    const error = await fnError(deploy(knative, request(img('5')), progress));
    expect(error).toMatchObject({code: 'NOT_READY', exitCode: 11});
    expect(error.message).toContain('ExitCode1');
  });
});

describe('rollback undoes the last traffic change', () => {
  const request = (image: string, extra: object = {}) => ({config, image, namespace: 'default', routing: 'service' as const, wait: true, timeoutSeconds: 5, ...extra});
  const rollback = (key?: string) => changeTraffic(knative, ref, (state) => rollbackTraffic(state, key), {wait: true, timeoutSeconds: 5}, progress);
  const serving = () => knative.service('default', 'hello').traffic.filter((t) => (t.percent ?? 0) > 0).map((t) => [t.revisionName ?? '@latest', t.percent]);

  beforeEach(() => {
    knative = new MemoryKnative();
  });

  test('deploy A; deploy B --tag v2 --no-traffic; deploy A\' --tag v3 --no-traffic; split v1=80,v3=20; rollback: v1 has 100% again, v2 (which never served) nothing', async () => {
    const a = await deploy(knative, request(img('a'), {tag: 'v1'}), progress);
    await deploy(knative, request(img('b'), {tag: 'v2', noTraffic: true}), progress);
    const a2 = await deploy(knative, request(img('c'), {tag: 'v3', noTraffic: true}), progress);
    await changeTraffic(knative, ref, split('v1=80,v3=20'), {wait: true, timeoutSeconds: 5}, progress);
    const result = await rollback();
    expect(serving()).toEqual([[a.revision, 100]]);
    expect(result.traffic.filter((t) => t.tag).map((t) => t.tag)).toEqual(['v1', 'v2', 'v3']);
    expect(result.changed).toBe(true);
    expect(a2.revision).not.toBe(a.revision);
  });

  test('a plain deploy is undone too; a second rollback goes one change further back', async () => {
    const a = await deploy(knative, request(img('a')), progress);
    const b = await deploy(knative, request(img('b')), progress);
    await deploy(knative, request(img('c')), progress);
    await rollback();
    expect(serving()).toEqual([[b.revision, 100]]);
    await rollback();
    expect(serving()).toEqual([[a.revision, 100]]);
  });

  test('traffic another tool moved since fn\'s last change: refused, naming fn rollback REVISION; nothing written', async () => {
    await deploy(knative, request(img('a'), {tag: 'v1'}), progress);
    const b = await deploy(knative, request(img('b'), {tag: 'v2', noTraffic: true}), progress);
    await changeTraffic(knative, ref, split('v1=50,v2=50'), {wait: true, timeoutSeconds: 5}, progress);
    knative.otherTool('kn', {traffic: [{revisionName: b.revision, percent: 100, tag: 'v2'}]});
    const writes = knative.writes.length;
    const error = await fnError(rollback());
    expect(error).toMatchObject({code: 'NO_PREVIOUS_SPLIT', exitCode: 8});
    expect(error.suggestion).toContain('fn rollback REVISION');
    expect(knative.writes).toHaveLength(writes);
  });
});
