// fn logs' pure parts (core/logs.ts): log-line parsing and formatting, merging pods by time, which
// revisions are read; and the use case over an in-memory pod source.
import {describe, expect, test} from '@jest/globals';
import {ExitCode} from '../../src/core/errors.js';
import {formatLogLine, mergeByTime, parseLogLine, selectRevisions, streamLogs, type PodSource} from '../../src/core/logs.js';
import type {PodView} from '../../src/core/pod-failure.js';
import type {DeployedFunction, RevisionInfo} from '../../src/core/ports.js';

const fn = {
  name: 'hello',
  namespace: 'team',
  traffic: [{revisionName: 'hello-00002', percent: 10, tag: 'canary'}, {latestRevision: false, revisionName: 'hello-00001', percent: 90}],
  statusTraffic: [{revisionName: 'hello-00002', percent: 10, tag: 'canary', url: 'http://canary-hello.team.example.test'}, {revisionName: 'hello-00001', percent: 90}],
  latestReadyRevisionName: 'hello-00002',
} as unknown as DeployedFunction;
const revisions: RevisionInfo[] = [
  {name: 'hello-00003', generation: 3, ready: 'False', reason: 'ExitCode1'},
  {name: 'hello-00002', generation: 2, ready: 'True'},
  {name: 'hello-00001', generation: 1, ready: 'True'},
];

describe('parseLogLine / formatLogLine', () => {
  test.each([
    ['2025-01-01T10:00:00.123456789Z hello: saying hello', '2025-01-01T10:00:00.123456789Z', 'hello: saying hello'],
    ['2025-01-01T10:00:00Z ', '2025-01-01T10:00:00Z', ''],
    ['2025-01-01T10:00:00+02:00 tz', '2025-01-01T10:00:00+02:00', 'tz'],
    ['no timestamp here', '', 'no timestamp here'],
  ])('%j', (raw, time, line) => {
    expect(parseLogLine(raw)).toEqual({time, line});
  });

  test('the revision is in front only when lines of several revisions mix', () => {
    const entry = {revision: 'hello-00002', pod: 'p', time: 't', line: 'GET /'};
    expect(formatLogLine(entry, true)).toBe('[hello-00002] GET /');
    expect(formatLogLine(entry, false)).toBe('GET /');
  });

  test('pods merge by time; equal times keep each pod\'s order', () => {
    const e = (pod: string, time: string, line: string) => ({revision: 'r', pod, time, line});
    expect(mergeByTime([e('a', '2', 'a2'), e('a', '3', 'a3'), e('b', '1', 'b1'), e('b', '3', 'b3')]).map((x) => x.line)).toEqual(['b1', 'a2', 'a3', 'b3']);
  });
});

describe('selectRevisions', () => {
  test.each<[string, {revision?: string; tag?: string}, string[]]>([
    ['every ready revision by default', {}, ['hello-00002', 'hello-00001']],
    ['a revision by name', {revision: 'hello-00003'}, ['hello-00003']],
    ['a revision by generation', {revision: '00001'}, ['hello-00001']],
    ['a tag', {tag: 'canary'}, ['hello-00002']],
  ])('%s', (_case, choice, expected) => {
    expect(selectRevisions(fn, revisions, choice)).toEqual(expected);
  });

  test('unknown revision or tag: not found, listing what exists', () => {
    expect(() => selectRevisions(fn, revisions, {revision: 'hello-00009'})).toThrow(expect.objectContaining({exitCode: ExitCode.notFound, message: expect.stringContaining('hello-00003, hello-00002, hello-00001')}));
    expect(() => selectRevisions(fn, revisions, {tag: 'v9'})).toThrow(expect.objectContaining({exitCode: ExitCode.notFound, message: expect.stringContaining('Tags: canary')}));
  });
});

describe('streamLogs (in-memory pods)', () => {
  const pod = (name: string, revision: string, started = true): PodView => ({
    metadata: {name, labels: {'serving.knative.dev/revision': revision}},
    spec: {containers: [{name: 'function'}, {name: 'queue-proxy'}]},
    status: {containerStatuses: [{name: 'function', state: started ? {running: {}} : {waiting: {reason: 'ContainerCreating'}}}]},
  });
  const source = (pods: PodView[], logs: Record<string, string[]>): PodSource & {asked: string[]} => {
    const asked: string[] = [];
    return {
      asked,
      list: async (_ns, selector) => (asked.push(selector), {items: pods}),
      follow: async () => undefined,
      log: async (_ns, name, container, options, onLine) => {
        asked.push(`${name}/${container} tail=${options.tailLines} since=${options.sinceSeconds}`);
        for (const l of logs[name] ?? []) onLine(l);
      },
    };
  };

  test('two ready revisions: lines merged by time, prefixed; pods not started and other revisions skipped', async () => {
    const pods = [pod('p1', 'hello-00001'), pod('p2', 'hello-00002'), pod('p3', 'hello-00002', false), pod('p4', 'hello-00003')];
    const src = source(pods, {p1: ['2025-01-01T00:00:02Z one-b'], p2: ['2025-01-01T00:00:01Z two-a', '2025-01-01T00:00:03Z two-c'], p4: ['2025-01-01T00:00:00Z never']});
    const out: string[] = [];
    const result = await streamLogs(src, {fn, revisions, tail: 5, sinceSeconds: 600, signal: new AbortController().signal}, (e, prefix) => out.push(formatLogLine(e, prefix)));
    expect(out).toEqual(['[hello-00002] two-a', '[hello-00001] one-b', '[hello-00002] two-c']);
    expect(result).toMatchObject({lines: 3, pods: ['p1', 'p2']});
    expect(src.asked).toEqual(['serving.knative.dev/configuration=hello', 'p1/function tail=5 since=600', 'p2/function tail=5 since=600']);
  });

  test('one revision: no prefix; no pods: nothing, no error', async () => {
    const out: string[] = [];
    await streamLogs(source([pod('p2', 'hello-00002')], {p2: ['2025-01-01T00:00:01Z only']}), {fn, revisions, tag: 'canary', signal: new AbortController().signal}, (e, prefix) => out.push(formatLogLine(e, prefix)));
    expect(out).toEqual(['only']);
    const none = await streamLogs(source([], {}), {fn, revisions, signal: new AbortController().signal}, () => undefined);
    expect(none).toEqual({revisions: [], pods: [], lines: 0});
  });
});
