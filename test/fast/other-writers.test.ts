// fn next to another tool (kn, kubectl) on the same Service, over the in-memory Knative port with
// field ownership as server-side apply keeps it: template fields another manager set stay part of
// the revision fn names; spec.traffic written by someone else is checked against what exists;
// `--no-traffic` does not claim the split; a traffic change overwritten while fn waits says so.
import {beforeEach, describe, expect, test} from '@jest/globals';
import {deploy} from '../../src/core/deploy.js';
import {FnError} from '../../src/core/errors.js';
import type {FunctionConfig} from '../../src/core/function.js';
import type {Progress} from '../../src/core/ports.js';
import {changeTraffic} from '../../src/core/traffic-change.js';
import {computeTraffic, parseTrafficRequest} from '../../src/core/traffic.js';
import {MemoryKnative} from './memory-knative.js';

const ref = {name: 'hello', namespace: 'default'};
const config: FunctionConfig = {name: 'hello', runtime: 'node'};
const img = (n: string) => `registry.test/hello@sha256:${n.repeat(64)}`;
const notes: string[] = [];
const progress: Progress = {step: (m) => notes.push(m), info: (m) => notes.push(m), warn: (m) => notes.push(`warn: ${m}`), detail: (m) => notes.push(m), status: (m) => notes.push(m)};
const split = (value: string) => (state: Parameters<typeof computeTraffic>[0]) => computeTraffic(state, parseTrafficRequest({split: [value]}));
const request = (image: string, extra: object = {}) => ({config, image, namespace: 'default', routing: 'service' as const, wait: true, timeoutSeconds: 5, ...extra});
let knative: MemoryKnative;

async function fnError(promise: Promise<unknown>): Promise<FnError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FnError);
  return error as FnError;
}

const live = () => knative.service('default', 'hello');

beforeEach(() => {
  knative = new MemoryKnative();
  notes.length = 0;
});

describe('revision names cover the template fields another tool set', () => {
  const kn = {metadata: {name: 'hello-kn-00002', annotations: {'autoscaling.knative.dev/min-scale': '1'}}, spec: {containerConcurrency: 10}};

  test('kn --concurrency-limit --scale-min, then fn deploy --force of the same inputs: a new revision named for the template sent, not the taken name', async () => {
    const first = await deploy(knative, request(img('a')), progress);
    knative.otherTool('kn', {template: kn});
    // Without --force the name kn set is kn's: exit 3, naming it.
    expect(await fnError(deploy(knative, request(img('a')), progress))).toMatchObject({code: 'FIELD_CONFLICT', exitCode: 3});
    const forced = await deploy(knative, request(img('a'), {force: true}), progress);
    expect(forced).toMatchObject({newRevision: true, ready: true});
    expect(forced.revision).not.toBe(first.revision);
    expect(forced.revision).toMatch(/^hello-[0-9a-f]{10}$/);
    expect(live().template.spec.containerConcurrency).toBe(10);
    // The same inputs again: the same name, truly unchanged.
    const again = await deploy(knative, request(img('a'), {force: true}), progress);
    expect(again).toMatchObject({revision: forced.revision, newRevision: false, ready: true});
    expect(notes.at(-1)).toContain('is unchanged');
  });
});

describe('keys and "already routes" are judged on what exists and what Knative reports', () => {
  let a: string;
  beforeEach(async () => {
    a = (await deploy(knative, request(img('a'), {tag: 'v1'}), progress)).revision!;
    await deploy(knative, request(img('b'), {tag: 'v2', noTraffic: true}), progress);
  });

  test('a spec another tool broke (revisionName: latest, which does not exist): the key "latest" is unknown (exit 8), nothing written', async () => {
    const v2 = live().traffic.find((t) => t.tag === 'v2')!.revisionName!;
    knative.otherTool('kn', {traffic: [{revisionName: 'latest', percent: 90}, {revisionName: v2, percent: 10, tag: 'v2'}]});
    await knative.get(ref);
    const writes = knative.writes.length;
    const error = await fnError(changeTraffic(knative, ref, split('latest=90,v2=10'), {wait: true, timeoutSeconds: 5}, progress));
    expect(error).toMatchObject({code: 'UNKNOWN_TRAFFIC_KEY', exitCode: 8});
    expect(error.message).toContain('"latest" is not a tag, revision or generation of hello');
    expect(knative.writes).toHaveLength(writes);
  });

  test('the split asked for is the spec, but the Service is not Ready (a tag on a revision that does not exist): not "already routes", not exit 0', async () => {
    const traffic = structuredClone(live().traffic);
    knative.otherTool('kn', {traffic: [...traffic, {revisionName: 'hello-gone', percent: 0, tag: 'old'}]});
    await knative.get(ref);
    const error = await fnError(changeTraffic(knative, ref, split(`${a}=100,v2=0`), {wait: true, timeoutSeconds: 2}, progress));
    expect(error.exitCode).not.toBe(0);
    expect(error.message).toContain('hello-gone');
    expect(notes.some((n) => n.includes('already routes'))).toBe(false);
  });
});

describe('"already routes" only when Knative routes it', () => {
  test('the split asked for is the spec but the route failed: exit 11 with the route\'s reason, not "already routes"', async () => {
    const a = await deploy(knative, request(img('a')), progress);
    await knative.get(ref);
    live().routeFailed = {type: 'RoutesReady', status: 'False', reason: 'RevisionFailed', message: `Revision "${a.revision}" failed with message: container exited.`};
    const error = await fnError(changeTraffic(knative, ref, split('@latest=100'), {wait: true, timeoutSeconds: 2}, progress));
    expect(error).toMatchObject({code: 'NOT_READY', exitCode: 11});
    expect(error.message).toContain('RevisionFailed');
    expect(notes.some((n) => n.includes('already routes'))).toBe(false);
    expect(knative.writes).toHaveLength(1);
  });
});

describe('deploy --no-traffic does not claim the split', () => {
  test('after another tool wrote spec.traffic (@latest 100%): the new revision takes 0%, the old one keeps 100%, no conflict', async () => {
    const a = await deploy(knative, request(img('a')), progress);
    knative.otherTool('kn', {traffic: [{latestRevision: true, percent: 100}]});
    await knative.get(ref);
    const b = await deploy(knative, request(img('b'), {noTraffic: true}), progress);
    expect(b).toMatchObject({newRevision: true, ready: true});
    expect(live().traffic.filter((t) => (t.percent ?? 0) > 0).map((t) => [t.revisionName, t.percent])).toEqual([[a.revision, 100]]);
  });

  test('after another tool pinned the split: --no-traffic --tag v2 adds the tag, the split stays', async () => {
    const a = await deploy(knative, request(img('a')), progress);
    knative.otherTool('kn', {traffic: [{revisionName: a.revision, percent: 100, tag: 'stable'}]});
    await knative.get(ref);
    const b = await deploy(knative, request(img('b'), {noTraffic: true, tag: 'v2'}), progress);
    expect(live().traffic.map((t) => [t.revisionName, t.percent, t.tag])).toEqual([
      [a.revision, 100, 'stable'],
      [b.revision, 0, 'v2'],
    ]);
  });

  test('after another tool pinned the split, --no-traffic alone sends no traffic at all', async () => {
    const a = await deploy(knative, request(img('a')), progress);
    const kn = [{revisionName: a.revision, percent: 100}];
    knative.otherTool('kn', {traffic: kn});
    await knative.get(ref);
    const writes = knative.writes.length;
    await deploy(knative, request(img('b'), {noTraffic: true}), progress);
    expect(knative.writes.slice(writes).map((w) => w.change.kind === 'apply' && w.change.keepTraffic)).toEqual([true]);
    expect(live().traffic).toEqual(kn);
    expect(live().trafficOwners).toEqual(['kn']);
  });

  test("a plain deploy keeps another tool's pinned split and leaves it theirs; --all-traffic changes it, so it is a conflict (exit 3) until --force", async () => {
    const a = await deploy(knative, request(img('a')), progress);
    const kn = [{revisionName: a.revision, percent: 100}];
    knative.otherTool('kn', {traffic: kn});
    await knative.get(ref);
    const writes = knative.writes.length;
    await deploy(knative, request(img('b')), progress);
    expect(knative.writes.slice(writes).map((w) => w.change.kind === 'apply' && w.change.keepTraffic)).toEqual([true]);
    expect(live().traffic).toEqual(kn);
    expect(await fnError(deploy(knative, request(img('c'), {allTraffic: true}), progress))).toMatchObject({code: 'FIELD_CONFLICT', exitCode: 3});
    expect((await deploy(knative, request(img('c'), {allTraffic: true, force: true}), progress)).ready).toBe(true);
    expect(live().traffic).toEqual([{latestRevision: true, percent: 100}]);
  });
});

describe('a traffic change overwritten while fn waits', () => {
  test('exit 3 TRAFFIC_OVERWRITTEN, with what this process wrote and what is live now; never someone else\'s split as its own', async () => {
    await deploy(knative, request(img('a'), {tag: 'v1'}), progress);
    const b = await deploy(knative, request(img('b'), {tag: 'v2', noTraffic: true}), progress);
    const theirs = [{revisionName: b.revision, percent: 100, tag: 'v2'}];
    knative.afterWrite = () => {
      knative.afterWrite = undefined;
      knative.otherTool('kn', {traffic: theirs});
    };
    const error = await fnError(changeTraffic(knative, ref, split('v1=90,v2=10'), {wait: true, timeoutSeconds: 5}, progress));
    expect(error).toMatchObject({code: 'TRAFFIC_OVERWRITTEN', exitCode: 3});
    const details = error.details as {written: {percent: number; tag?: string}[]; live: unknown[]};
    expect(details.written.map((t) => [t.tag, t.percent])).toEqual([['v1', 90], ['v2', 10]]);
    expect(details.live).toEqual(theirs);
    expect(notes.some((n) => n.startsWith('warn: ') && n.includes('overwritten'))).toBe(true);
  });
});
