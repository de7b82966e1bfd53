import {describe, expect, test} from '@jest/globals';
import type {RevisionInfo} from '../../src/core/ports.js';
import {
  computeTraffic,
  deployTraffic,
  describeTraffic,
  parseSplit,
  parseTagAssignments,
  parseTrafficRequest,
  parseUntags,
  currentRevision,
  rollbackTraffic,
  sameTraffic,
  trafficSettled,
  type TrafficState,
  type TrafficTarget,
} from '../../src/core/traffic.js';
import {historyAnnotation} from '../../src/core/traffic-history.js';
import {fnError} from '../support/fn-error.js';

const rev = (n: number, ready: RevisionInfo['ready'] = 'True', extra: Partial<RevisionInfo> = {}): RevisionInfo => ({
  name: `hello-0000${n}`,
  generation: n,
  ready,
  ...extra,
});
const pinned = (revisionName: string, percent: number, tag?: string): TrafficTarget => ({
  revisionName,
  latestRevision: false,
  percent,
  ...(tag ? {tag} : {}),
});
const latest = (percent: number, tag?: string): TrafficTarget => ({latestRevision: true, percent, ...(tag ? {tag} : {})});

/** hello-00001 (v1) 100%, hello-00002 tagged v2 at 0%: the state after `deploy --tag v2 --no-traffic`. */
const twoRevisions: TrafficState = {
  name: 'hello',
  traffic: [pinned('hello-00001', 100, 'v1'), pinned('hello-00002', 0, 'v2')],
  statusTraffic: [pinned('hello-00001', 100, 'v1'), pinned('hello-00002', 0, 'v2')],
  latestReadyRevisionName: 'hello-00002',
  revisions: [rev(2), rev(1)],
};

describe('parseSplit (no cluster needed)', () => {
  test.each([
    [['v1=90,v2=10'], [{key: 'v1', percent: 90}, {key: 'v2', percent: 10}]],
    [['v1=90%', 'v2=10%'], [{key: 'v1', percent: 90}, {key: 'v2', percent: 10}]],
    [[' v1 = 50 , @latest=50 '], [{key: 'v1', percent: 50}, {key: '@latest', percent: 50}]],
    [['00002=100'], [{key: '00002', percent: 100}]],
    [['v1=100,v2=0'], [{key: 'v1', percent: 100}, {key: 'v2', percent: 0}]],
    [[], []],
  ])('%j → %j', (values, expected) => {
    expect(parseSplit(values)).toEqual(expected);
  });

  test.each([
    ['v1=90.5,v2=9.5', 'INVALID_SPLIT'],
    ['v1=-10,v2=110', 'INVALID_SPLIT'],
    ['v1=101', 'INVALID_SPLIT'],
    ['v1', 'INVALID_SPLIT'],
    ['=100', 'INVALID_SPLIT'],
    ['v1=abc', 'INVALID_SPLIT'],
    ['v1=90,,v2=10', 'INVALID_SPLIT'],
    ['v1=50,v1=50', 'DUPLICATE_TRAFFIC_KEY'],
  ])('%s fails with %s (exit 2)', (value, code) => {
    const e = fnError(() => parseSplit([value]));
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(2);
  });

  test('a sum other than 100 shows the sum, the entries and a fixed example', () => {
    const e = fnError(() => parseSplit(['v1=80,v2=10']));
    expect(e.code).toBe('SPLIT_NOT_100');
    expect(e.message).toBe('--split percentages add up to 90, not 100 (v1=80, v2=10)');
    expect(e.suggestion).toContain('--split v1=80,v2=20');
  });

  test('over 100 is refused too (kn rejects it; under 100 kn may accept — fn never guesses)', () => {
    expect(fnError(() => parseSplit(['v1=90,v2=20'])).message).toContain('add up to 110');
    expect(fnError(() => parseSplit(['v1=90'])).message).toContain('add up to 90');
  });
});

describe('parseTagAssignments / parseUntags', () => {
  test('REV=TAG pairs, comma lists and repeats', () => {
    expect(parseTagAssignments(['hello-00002=canary,1=stable', '@latest=current'])).toEqual([
      {key: 'hello-00002', tag: 'canary'},
      {key: '1', tag: 'stable'},
      {key: '@latest', tag: 'current'},
    ]);
  });
  test.each([
    ['canary', 'INVALID_TAG_FLAG'],
    ['hello-00002=', 'INVALID_TAG_FLAG'],
    ['hello-00002=Canary!', 'INVALID_TAG'],
    ['hello-00002=2fast', 'INVALID_TAG'],
    ['1=a,2=a', 'DUPLICATE_TAG'],
  ])('%s fails with %s', (value, code) => {
    expect(fnError(() => parseTagAssignments([value])).code).toBe(code);
  });
  test('untag lists; a duplicate fails', () => {
    expect(parseUntags(['a,b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(fnError(() => parseUntags(['a,a'])).code).toBe('DUPLICATE_TAG');
  });
  test('parseTrafficRequest runs every check', () => {
    expect(parseTrafficRequest({split: ['v1=100'], untag: ['x']})).toEqual({split: [{key: 'v1', percent: 100}], tags: [], untags: ['x']});
  });
});

describe('computeTraffic', () => {
  const split = (s: string) => parseTrafficRequest({split: [s]});

  test.each<[string, TrafficState, ReturnType<typeof parseTrafficRequest>, TrafficTarget[]]>([
    ['tags as keys', twoRevisions, split('v1=90,v2=10'), [pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 10, 'v2')]],
    ['revision names as keys', twoRevisions, split('hello-00001=90,hello-00002=10'), [pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 10, 'v2')]],
    ['generation suffixes (00002 and 2)', twoRevisions, split('00001=30,2=70'), [pinned('hello-00001', 30, 'v1'), pinned('hello-00002', 70, 'v2')]],
    ['all to one: the other tagged entry stays at 0% for its URL', twoRevisions, split('v2=100'), [pinned('hello-00001', 0, 'v1'), pinned('hello-00002', 100, 'v2')]],
    [
      '@latest as a key adds a following entry',
      twoRevisions,
      split('v1=50,@latest=50'),
      [pinned('hello-00001', 50, 'v1'), pinned('hello-00002', 0, 'v2'), latest(50)],
    ],
    [
      'untagged 0% entries are dropped',
      {...twoRevisions, traffic: [pinned('hello-00001', 50), pinned('hello-00002', 50)]},
      split('hello-00001=0,hello-00002=100'),
      [pinned('hello-00002', 100)],
    ],
    [
      'an empty spec means 100% @latest',
      {...twoRevisions, traffic: []},
      split('1=10,@latest=90'),
      [latest(90), pinned('hello-00001', 10)],
    ],
    [
      'untag, then tag, then split (kn order): a new tag is usable as a key',
      twoRevisions,
      parseTrafficRequest({untag: ['v2'], tag: ['hello-00002=canary'], split: ['v1=80,canary=20']}),
      [pinned('hello-00001', 80, 'v1'), pinned('hello-00002', 20, 'canary')],
    ],
    [
      'tag alone keeps the percentages',
      {...twoRevisions, traffic: [latest(100)]},
      parseTrafficRequest({tag: ['1=old']}),
      [latest(100), pinned('hello-00001', 0, 'old')],
    ],
    [
      'a tag on a target with traffic goes on that entry',
      {...twoRevisions, traffic: [pinned('hello-00001', 100)]},
      parseTrafficRequest({tag: ['1=stable']}),
      [pinned('hello-00001', 100, 'stable')],
    ],
    [
      'untagging a 0% entry drops it',
      twoRevisions,
      parseTrafficRequest({untag: ['v2']}),
      [pinned('hello-00001', 100, 'v1')],
    ],
    [
      'tagging an existing tag elsewhere moves it',
      twoRevisions,
      parseTrafficRequest({tag: ['1=v2']}),
      [pinned('hello-00001', 100, 'v1'), pinned('hello-00001', 0, 'v2')],
    ],
    [
      'the name without the function prefix works',
      {...twoRevisions, revisions: [{name: 'hello-k3j9x', ready: 'True'}, rev(1)], traffic: [pinned('hello-00001', 100)]},
      split('k3j9x=10,1=90'),
      [pinned('hello-00001', 90), pinned('hello-k3j9x', 10)],
    ],
    [
      'a duplicate untagged entry merges',
      {...twoRevisions, traffic: [pinned('hello-00001', 50), pinned('hello-00001', 50)]},
      parseTrafficRequest({}),
      [pinned('hello-00001', 100)],
    ],
  ])('%s', (_title, state, request, expected) => {
    expect(computeTraffic(state, request).traffic).toEqual(expected);
  });

  test('an unknown key fails before any change, listing revisions and tags, with a did-you-mean', () => {
    const e = fnError(() => computeTraffic(twoRevisions, split('v1=90,v3=10')));
    expect(e.code).toBe('UNKNOWN_TRAFFIC_KEY');
    expect(e.exitCode).toBe(8);
    expect(e.message).toContain('"v3" is not a tag, revision or generation of hello');
    expect(e.message).toContain('Tags: v1, v2');
    expect(e.message).toContain('Revisions: hello-00002 (2), hello-00001 (1)');
    expect(e.suggestion).toContain('did you mean "v1"');
  });

  test('an unknown generation fails too (kn would hang waiting)', () => {
    expect(fnError(() => computeTraffic(twoRevisions, split('1=50,7=50'))).code).toBe('UNKNOWN_TRAFFIC_KEY');
  });

  test('two keys naming one revision fail', () => {
    const e = fnError(() => computeTraffic(twoRevisions, split('v1=50,hello-00001=50')));
    expect(e.code).toBe('DUPLICATE_TRAFFIC_KEY');
    expect(e.message).toContain('"v1" and "hello-00001" both name hello-00001');
  });

  test('untagging a tag that does not exist fails and lists the tags', () => {
    const e = fnError(() => computeTraffic(twoRevisions, parseTrafficRequest({untag: ['nope']})));
    expect(e.code).toBe('UNKNOWN_TAG');
    expect(e.message).toContain('Tags: v1, v2');
  });

  test('traffic to a failed revision is refused with its reason', () => {
    const state = {...twoRevisions, revisions: [rev(2, 'False', {reason: 'ContainerMissing', message: 'image not found'}), rev(1)]};
    const e = fnError(() => computeTraffic(state, split('v1=90,v2=10')));
    expect(e.code).toBe('REVISION_NOT_READY');
    expect(e.message).toContain('ContainerMissing: image not found');
    // 0% to a failed revision is fine (keeps its tag URL).
    expect(computeTraffic(state, split('v1=100,v2=0')).traffic).toEqual([pinned('hello-00001', 100, 'v1'), pinned('hello-00002', 0, 'v2')]);
  });

  describe('keys name revisions and tags that exist, never names that only appear in spec.traffic', () => {
    /** Another tool wrote revisionName "latest" (no such revision) and a tag on a deleted revision. */
    const broken: TrafficState = {...twoRevisions, traffic: [pinned('latest', 90), pinned('hello-00002', 10, 'v2'), pinned('hello-00009', 0, 'old')]};

    test.each<[string, string, string, string]>([
      ['a name only in spec.traffic', 'latest=90,v2=10', 'UNKNOWN_TRAFFIC_KEY', '"latest" is not a tag, revision or generation of hello'],
      ['a tag on a revision that does not exist', 'old=100', 'TRAFFIC_TARGET_NOT_FOUND', 'spec.traffic sends tag "old" to revision "hello-00009", which does not exist'],
      ['a block that would keep that tag', 'v2=100', 'TRAFFIC_TARGET_NOT_FOUND', 'tag "old" to revision "hello-00009"'],
    ])('%s fails before anything is written', (_title, value, code, message) => {
      const e = fnError(() => computeTraffic(broken, split(value)));
      expect(e.code).toBe(code);
      expect(e.exitCode).toBe(8);
      expect(e.message).toContain(message);
    });

    test('the unknown key lists only revisions that exist', () => {
      expect(fnError(() => computeTraffic(broken, split('latest=100'))).message).toContain('Revisions: hello-00002 (2), hello-00001 (1)');
    });

    test('the broken tag can be dropped, and then the split is fine', () => {
      expect(fnError(() => computeTraffic(broken, split('v2=100'))).suggestion).toContain('--untag old');
      expect(computeTraffic(broken, parseTrafficRequest({untag: ['old'], split: ['v2=100']})).traffic).toEqual([pinned('hello-00002', 100, 'v2')]);
    });

    test('the revision the live template is about to create counts as existing (a deploy just applied it)', () => {
      const pending = {...twoRevisions, template: {metadata: {name: 'hello-abcdef0123'}}};
      expect(computeTraffic(pending, split('v1=90,hello-abcdef0123=10')).traffic).toEqual([pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 0, 'v2'), pinned('hello-abcdef0123', 10)]);
    });
  });

  test('notes report a moved tag', () => {
    expect(computeTraffic(twoRevisions, parseTrafficRequest({tag: ['1=v2']})).notes).toEqual(['tag v2 moved from hello-00002 to hello-00001']);
  });
});

describe('deployTraffic', () => {
  const v1Only: TrafficState = {
    name: 'hello',
    traffic: [latest(100)],
    statusTraffic: [{latestRevision: true, revisionName: 'hello-00001', percent: 100}],
    latestReadyRevisionName: 'hello-00001',
    revisions: [rev(1)],
  };

  test.each<[string, TrafficState | undefined, Parameters<typeof deployTraffic>[1], TrafficTarget[]]>([
    ['first deploy: all to latest', undefined, {revisionName: 'hello-00001'}, [latest(100)]],
    ['first deploy with --no-traffic: nothing to keep, 100%', undefined, {revisionName: 'hello-00001', noTraffic: true}, [latest(100)]],
    ['first deploy with a tag', undefined, {revisionName: 'hello-00001', tag: 'v1'}, [latest(100), pinned('hello-00001', 0, 'v1')]],
    ['default: the new revision takes 100%', v1Only, {revisionName: 'hello-00002'}, [latest(100)]],
    [
      '--no-traffic pins @latest to what it routes to now',
      v1Only,
      {revisionName: 'hello-00002', noTraffic: true},
      [pinned('hello-00001', 100)],
    ],
    [
      '--no-traffic --tag v2: the new revision gets a URL and 0%',
      v1Only,
      {revisionName: 'hello-00002', noTraffic: true, tag: 'v2'},
      [pinned('hello-00001', 100), pinned('hello-00002', 0, 'v2')],
    ],
    [
      '--no-traffic keeps a pinned split as it is',
      {...twoRevisions, traffic: [pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 10, 'v2')]},
      {revisionName: 'hello-00003', noTraffic: true},
      [pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 10, 'v2')],
    ],
    [
      'default with all traffic on @latest: tags stay at 0% and the new revision takes 100%',
      {...twoRevisions, traffic: [latest(100), pinned('hello-00001', 0, 'v1'), pinned('hello-00002', 0, 'v2')]},
      {revisionName: 'hello-00003'},
      [latest(100), pinned('hello-00001', 0, 'v1'), pinned('hello-00002', 0, 'v2')],
    ],
    [
      'default on a pinned split keeps it: the new revision takes 0% (a canary is never reset unasked)',
      twoRevisions,
      {revisionName: 'hello-00003'},
      [pinned('hello-00001', 100, 'v1'), pinned('hello-00002', 0, 'v2')],
    ],
    [
      'default on a 90/10 split with @latest keeps it, @latest pinned where it routes now',
      {...v1Only, traffic: [pinned('hello-00001', 90, 'v1'), latest(10)], statusTraffic: [pinned('hello-00001', 90, 'v1'), {latestRevision: true, revisionName: 'hello-00002', percent: 10}], latestReadyRevisionName: 'hello-00002'},
      {revisionName: 'hello-00003'},
      [pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 10)],
    ],
    [
      '--all-traffic on a pinned split: tags stay at 0% and the new revision takes 100%',
      twoRevisions,
      {revisionName: 'hello-00003', allTraffic: true},
      [latest(100), pinned('hello-00001', 0, 'v1'), pinned('hello-00002', 0, 'v2')],
    ],
    [
      'a tag already used moves to the new revision',
      twoRevisions,
      {revisionName: 'hello-00003', noTraffic: true, tag: 'v2'},
      [pinned('hello-00001', 100, 'v1'), pinned('hello-00003', 0, 'v2')],
    ],
    [
      'repeating the same deploy gives the same block (idempotent)',
      {...v1Only, traffic: [pinned('hello-00001', 100), pinned('hello-00002', 0, 'v2')]},
      {revisionName: 'hello-00002', noTraffic: true, tag: 'v2'},
      [pinned('hello-00001', 100), pinned('hello-00002', 0, 'v2')],
    ],
  ])('%s', (_title, state, options, expected) => {
    expect(deployTraffic(state, options).traffic).toEqual(expected);
  });

  test('--no-traffic with a tagged @latest pins by the status entry of that tag', () => {
    const state: TrafficState = {
      ...v1Only,
      traffic: [latest(100, 'current')],
      statusTraffic: [{latestRevision: true, revisionName: 'hello-00001', percent: 100, tag: 'current'}],
    };
    expect(deployTraffic(state, {revisionName: 'hello-00002', noTraffic: true}).traffic).toEqual([pinned('hello-00001', 100, 'current')]);
  });

  test('keeping a split says so, with the ways to move traffic', () => {
    expect(deployTraffic(twoRevisions, {revisionName: 'hello-00003'}).notes).toEqual([
      'traffic is split or pinned (hello-00001 100% (v1), hello-00002 0% (v2)): kept as it is, and hello-00003 takes 0%. Move traffic with fn traffic --split or fn rollout, or deploy with --all-traffic to send it all',
    ]);
    expect(deployTraffic(twoRevisions, {revisionName: 'hello-00003', noTraffic: true}).notes).toEqual([]);
  });

  test('an invalid tag is refused', () => {
    expect(fnError(() => deployTraffic(undefined, {revisionName: 'x', tag: 'V2'})).code).toBe('INVALID_TAG');
  });
});

describe('rollbackTraffic', () => {
  /** fn's traffic history with one change: `before` served, then the change routed `after`. */
  const recorded = (before: [string, number][], after: [string, number][], by = 'traffic') => ({
    [historyAnnotation]: JSON.stringify({
      version: 1,
      entries: [{before: before.map(([revisionName, percent]) => ({revisionName, percent})), after: after.map(([revisionName, percent]) => ({revisionName, percent})), by, at: '2025-01-01T00:00:00.000Z'}],
    }),
  });
  /** deploy A --tag v1; deploy B --tag v2 --no-traffic; deploy A' --tag v3 --no-traffic; traffic --split v1=80,v3=20 */
  const canary: TrafficState = {
    name: 'hello',
    traffic: [pinned('hello-00001', 80, 'v1'), pinned('hello-00002', 0, 'v2'), pinned('hello-00003', 20, 'v3')],
    statusTraffic: [pinned('hello-00001', 80, 'v1'), pinned('hello-00002', 0, 'v2'), pinned('hello-00003', 20, 'v3')],
    latestReadyRevisionName: 'hello-00003',
    revisions: [rev(3), rev(2), rev(1)],
    annotations: recorded([['hello-00001', 100]], [['hello-00001', 80], ['hello-00003', 20]]),
  };

  test('undoes the last change: the split that served before it, never a revision that only had a tag', () => {
    const change = rollbackTraffic(canary);
    expect(change.traffic).toEqual([pinned('hello-00001', 100, 'v1'), pinned('hello-00002', 0, 'v2'), pinned('hello-00003', 0, 'v3')]);
    expect([change.from, change.to]).toEqual(['hello-00003', 'hello-00001']);
    expect(change.restored).toEqual([{revisionName: 'hello-00001', percent: 100}]);
    // The undone change leaves the history (the next rollback goes one further back).
    expect(change.annotations).toEqual({[historyAnnotation]: '{"version":1,"entries":[]}'});
  });

  test.each<[string, [string, number][], TrafficTarget[]]>([
    ['a split comes back as it was', [['hello-00001', 90], ['hello-00002', 10]], [pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 10, 'v2'), pinned('hello-00003', 0, 'v3')]],
    ['an untagged revision gets its own entry', [['hello-00004', 100]], [pinned('hello-00004', 100), pinned('hello-00001', 0, 'v1'), pinned('hello-00002', 0, 'v2'), pinned('hello-00003', 0, 'v3')]],
  ])('%s', (_title, before, expected) => {
    const state = {...canary, revisions: [rev(4), ...canary.revisions], annotations: recorded(before, [['hello-00001', 80], ['hello-00003', 20]])};
    expect(rollbackTraffic(state).traffic).toEqual(expected);
  });

  test('@latest in the live split is compared by the revision it routes to', () => {
    const state: TrafficState = {
      name: 'hello',
      traffic: [latest(100)],
      statusTraffic: [{latestRevision: true, revisionName: 'hello-00002', percent: 100}],
      latestReadyRevisionName: 'hello-00002',
      revisions: [rev(2), rev(1)],
      annotations: recorded([['hello-00001', 100]], [['hello-00002', 100]], 'deploy'),
    };
    expect(rollbackTraffic(state).traffic).toEqual([pinned('hello-00001', 100)]);
    // Another tool deployed hello-00003 since (@latest moved): the record no longer describes what serves.
    const moved = {...state, statusTraffic: [{latestRevision: true, revisionName: 'hello-00003', percent: 100}], latestReadyRevisionName: 'hello-00003', revisions: [rev(3), rev(2), rev(1)]};
    expect(fnError(() => rollbackTraffic(moved)).message).toContain('now hello-00003 100%');
  });

  test.each<[string, Partial<TrafficState>, string]>([
    ['no record at all', {annotations: {}}, 'fn has no record of what served hello before its current split'],
    ['another tool moved traffic since', {traffic: [pinned('hello-00002', 100, 'v2')], statusTraffic: [pinned('hello-00002', 100, 'v2')]}, 'fn traffic at 2025-01-01T00:00:00.000Z routed hello-00001 80%, hello-00003 20%; now hello-00002 100%'],
    ['a record fn cannot read', {annotations: {[historyAnnotation]: '{"version": 7}'}}, 'the fn.dev/traffic-history annotation on hello is not one fn understands (version 7 is not 1)'],
  ])('refused (exit 8, nothing guessed) with %s, naming fn rollback REVISION', (_title, change, message) => {
    const e = fnError(() => rollbackTraffic({...canary, ...change}));
    expect(e).toMatchObject({code: 'NO_PREVIOUS_SPLIT', exitCode: 8});
    expect(e.message).toContain(message);
    expect(e.suggestion).toBe('send all traffic to a revision you name: fn rollback REVISION --name hello (fn revisions hello lists them)');
  });

  test('a revision that served before but failed or is gone since is refused, naming it', () => {
    const failed = fnError(() => rollbackTraffic({...canary, revisions: [rev(3), rev(2), rev(1, 'False', {reason: 'ExitCode1'})]}));
    expect(failed).toMatchObject({code: 'REVISION_NOT_READY', exitCode: 11});
    expect(failed.message).toContain('revision hello-00001 failed (ExitCode1)');
    const gone = fnError(() => rollbackTraffic({...canary, revisions: [rev(3), rev(2)]}));
    expect(gone).toMatchObject({code: 'REVISION_NOT_FOUND', exitCode: 8});
    expect(gone.message).toBe('revision hello-00001 (it served before fn traffic at 2025-01-01T00:00:00.000Z) no longer exists, so traffic cannot go back to it');
  });

  test('a named revision (tag, name or generation) takes all traffic, recorded by the use case; a failed one is refused', () => {
    expect(rollbackTraffic(twoRevisions, '2').to).toBe('hello-00002');
    expect(rollbackTraffic(twoRevisions, 'v1')).toMatchObject({to: 'hello-00001', restored: [{revisionName: 'hello-00001', percent: 100}]});
    expect(rollbackTraffic(twoRevisions, 'v1').annotations).toBeUndefined();
    const failed = {...twoRevisions, revisions: [rev(2, 'False', {reason: 'ExitCode1'}), rev(1)]};
    expect(fnError(() => rollbackTraffic(failed, 'v2')).code).toBe('REVISION_NOT_READY');
    expect(fnError(() => rollbackTraffic(twoRevisions, 'nope')).code).toBe('UNKNOWN_TRAFFIC_KEY');
  });
});

describe('comparing and showing', () => {
  test('sameTraffic ignores order and treats [] as 100% latest', () => {
    expect(sameTraffic([], [latest(100)])).toBe(true);
    expect(sameTraffic([pinned('a', 50), pinned('b', 50)], [pinned('b', 50), pinned('a', 50)])).toBe(true);
    expect(sameTraffic([pinned('a', 50), pinned('b', 50)], [pinned('a', 40), pinned('b', 60)])).toBe(false);
  });

  test('trafficSettled compares status (resolved) with spec', () => {
    const fn = {
      traffic: [latest(90), pinned('hello-00001', 10, 'v1')],
      statusTraffic: [{latestRevision: true, revisionName: 'hello-00002', percent: 90}, pinned('hello-00001', 10, 'v1')],
      latestReadyRevisionName: 'hello-00002',
    };
    expect(trafficSettled(fn)).toBe(true);
    expect(trafficSettled({...fn, statusTraffic: [{latestRevision: true, revisionName: 'hello-00002', percent: 100}]})).toBe(false);
  });

  test('currentRevision and describeTraffic', () => {
    expect(currentRevision(twoRevisions)).toBe('hello-00001');
    expect(currentRevision({...twoRevisions, statusTraffic: [pinned('hello-00001', 90, 'v1'), pinned('hello-00002', 10, 'v2')]})).toBe('hello-00002');
    expect(describeTraffic(twoRevisions.traffic)).toBe('hello-00001 100% (v1), hello-00002 0% (v2)');
  });
});
