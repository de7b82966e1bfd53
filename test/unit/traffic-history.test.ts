// fn's traffic history (what fn rollback undoes): when a change is recorded, what is recorded, and
// when the newest record still describes the live split.
import {describe, expect, test} from '@jest/globals';
import type {TrafficTarget} from '../../src/core/knative.js';
import {historyAnnotation, historyLimit, historyProblem, lastChange, recordChange, sharesOf} from '../../src/core/traffic-history.js';

const pinned = (revisionName: string, percent: number, tag?: string): TrafficTarget => ({revisionName, latestRevision: false, percent, ...(tag ? {tag} : {})});
const latest = (percent: number, tag?: string): TrafficTarget => ({latestRevision: true, percent, ...(tag ? {tag} : {})});
const at = '2025-01-01T00:00:00.000Z';
const live = (traffic: TrafficTarget[], annotations: Record<string, string> = {}) => ({
  name: 'hello',
  traffic,
  statusTraffic: [],
  latestReadyRevisionName: 'hello-00001',
  annotations,
});
const entries = (annotations: Record<string, string | null>) => JSON.parse(annotations[historyAnnotation] as string).entries;

describe('sharesOf', () => {
  test.each<[string, TrafficTarget[], string | undefined, [string, number][]]>([
    ['@latest is the latest ready revision', [latest(100)], undefined, [['hello-00001', 100]]],
    ['@latest is the revision named (a deploy: the one it creates)', [latest(100)], 'hello-00002', [['hello-00002', 100]]],
    ['an empty block is 100% @latest', [], undefined, [['hello-00001', 100]]],
    ['tags and 0% entries are not shares; entries of one revision add up', [pinned('hello-00001', 50, 'v1'), pinned('hello-00001', 30), pinned('hello-00003', 20), pinned('hello-00002', 0, 'v2')], undefined, [['hello-00001', 80], ['hello-00003', 20]]],
  ])('%s', (_title, traffic, name, expected) => {
    expect(sharesOf(live(traffic), name)?.map((s) => [s.revisionName, s.percent])).toEqual(expected);
  });

  test('an @latest share with no ready revision has no revision to record', () => {
    expect(sharesOf({...live([latest(100)]), latestReadyRevisionName: undefined})).toBeUndefined();
  });
});

describe('recordChange', () => {
  test('a change of what serves pushes what served before and what the change routes', () => {
    const annotations = recordChange(live([pinned('hello-00001', 100, 'v1')]), [pinned('hello-00001', 80, 'v1'), pinned('hello-00003', 20, 'v3')], {by: 'traffic', at});
    expect(entries(annotations)).toEqual([
      {before: [{revisionName: 'hello-00001', percent: 100}], after: [{revisionName: 'hello-00001', percent: 80}, {revisionName: 'hello-00003', percent: 20}], by: 'traffic', at},
    ]);
  });

  test.each<[string, TrafficTarget[], TrafficTarget[], string | undefined]>([
    ['a tag only', [pinned('hello-00001', 100)], [pinned('hello-00001', 100), pinned('hello-00002', 0, 'v2')], undefined],
    ['@latest pinned where it routes (deploy --no-traffic)', [latest(100)], [pinned('hello-00001', 100)], 'hello-00002'],
    ['the same revision under @latest', [pinned('hello-00001', 100)], [latest(100)], undefined],
  ])('nothing is pushed for %s: the history stays as it is', (_title, traffic, next, newRevision) => {
    const history = recordChange(live([pinned('hello-00000', 100)]), [pinned('hello-00009', 100)], {by: 'traffic', at});
    expect(recordChange(live(traffic, history as Record<string, string>), next, {by: 'deploy', at, latest: newRevision})).toEqual(history);
    expect(recordChange(live(traffic), next, {by: 'deploy', at, latest: newRevision})).toEqual({});
  });

  test('a deploy routing @latest records the revision it creates', () => {
    const annotations = recordChange(live([latest(100)]), [latest(100)], {by: 'deploy', at, latest: 'hello-00002'});
    expect(entries(annotations)[0]).toMatchObject({before: [{revisionName: 'hello-00001', percent: 100}], after: [{revisionName: 'hello-00002', percent: 100}], by: 'deploy'});
  });

  test('a change that did not start from the live split (a rollout ending at its last step): recorded from where it started', () => {
    const annotations = recordChange(live([pinned('hello-00003', 50, 'canary'), pinned('hello-00001', 50)]), [latest(100)], {by: 'rollout', at, latest: 'hello-00003', from: [pinned('hello-00001', 100)]});
    expect(entries(annotations)).toEqual([{before: [{revisionName: 'hello-00001', percent: 100}], after: [{revisionName: 'hello-00003', percent: 100}], by: 'rollout', at}]);
    // One that ends where it started (rolled back) pushes nothing.
    expect(recordChange(live([pinned('hello-00003', 50), pinned('hello-00001', 50)]), [pinned('hello-00001', 100)], {by: 'rollout', at, from: [pinned('hello-00001', 100)]})).toEqual({});
  });

  test('nothing served yet: nothing to go back to, nothing pushed', () => {
    expect(recordChange({...live([latest(100)]), latestReadyRevisionName: undefined}, [latest(100)], {by: 'deploy', at, latest: 'hello-00001'})).toEqual({});
  });

  test(`the newest ${historyLimit} changes are kept`, () => {
    let annotations: Record<string, string> = {};
    for (let i = 1; i <= historyLimit + 3; i++) {
      annotations = recordChange(live([pinned(`hello-${i}`, 100)], annotations), [pinned(`hello-${i + 1}`, 100)], {by: 'traffic', at}) as Record<string, string>;
    }
    const kept = entries(annotations);
    expect(kept).toHaveLength(historyLimit);
    expect(kept.at(-1).before).toEqual([{revisionName: `hello-${historyLimit + 3}`, percent: 100}]);
  });

  test('a history fn cannot read is started again', () => {
    const annotations = recordChange(live([pinned('hello-00001', 100)], {[historyAnnotation]: 'not json'}), [pinned('hello-00002', 100)], {by: 'traffic', at});
    expect(entries(annotations)).toHaveLength(1);
  });
});

describe('lastChange and the annotation', () => {
  const history = recordChange(live([pinned('hello-00001', 100)]), [pinned('hello-00002', 100)], {by: 'traffic', at}) as Record<string, string>;

  test('valid while the live split is what the change routed; the rest of the history comes with it', () => {
    const last = lastChange(live([pinned('hello-00002', 100, 'v2')], history));
    // The rest is written, empty, never removed (see serializeHistory).
    expect(last).toMatchObject({entry: {before: [{revisionName: 'hello-00001', percent: 100}]}, rest: {[historyAnnotation]: '{"version":1,"entries":[]}'}});
    expect(lastChange(live([pinned('hello-00002', 100)], (last as {rest: Record<string, string>}).rest))).toMatchObject({why: expect.stringContaining('fn has no record')});
  });

  test('stale once the live split differs', () => {
    expect(lastChange(live([pinned('hello-00003', 100)], history))).toEqual({
      why: 'the split changed after fn\'s last change to hello (fn traffic at 2025-01-01T00:00:00.000Z routed hello-00002 100%; now hello-00003 100%): another tool or a running fn rollout moved it, and fn does not know what served before that',
    });
  });

  test.each<[unknown, string]>([
    [[], 'it is not an object'],
    [{version: 1}, 'entries is not a list'],
    [{version: 1, entries: [{before: [{revisionName: 'a', percent: 60}], after: [{revisionName: 'b', percent: 100}], by: 'traffic', at}]}, 'entries[0].before percents sum to 60, not 100'],
    [{version: 1, entries: [{before: [{revisionName: 'a', percent: 100}], after: [{revisionName: 'b', percent: 100}], by: 'kn', at}]}, 'entries[0].by "kn" is unknown'],
  ])('%j is refused: %s', (value, problem) => {
    expect(historyProblem(value)).toBe(problem);
  });
});
