// The rollout engine against the in-memory Knative port (test/fast/memory-knative.ts), which behaves
// like Knative where it matters here: every write and every status update bumps resourceVersion, a new
// image makes a new revision, status.traffic resolves @latest and publishes tag URLs once the
// controller has observed the spec, and stale writes are refused and retried on a fresh read.
//
// Time: the rollout waits only through the port's watches, which the memory port ends on the change
// that decides them, as it is made. So no test waits for something to happen; real time passes only
// where a bound is what is tested: a short --timeout (tens of ms) that must pass, or a long --interval
// or --timeout (20 s) that must NOT be reached (the test asserts it ended early; a watch that does not
// end on its stop condition would fail it). `now` is fake, for the timestamps in the state and events.
import {afterEach, beforeEach, describe, expect, test} from '@jest/globals';
import {deploy} from '../../src/core/deploy.js';
import {FnError} from '../../src/core/errors.js';
import type {FunctionConfig} from '../../src/core/function.js';
import {buildManifests} from '../../src/core/manifests.js';
import type {TrafficTarget} from '../../src/core/knative.js';
import {abortRollout, promoteRollout, rolloutStatus} from '../../src/core/rollout/control.js';
import {resumeRollout, startRollout, type RolloutDeps} from '../../src/core/rollout/engine.js';
import type {RolloutEvent} from '../../src/core/rollout/events.js';
import type {CheckTarget, GateResult} from '../../src/core/rollout/gate.js';
import type {RevisionDiagnosis} from '../../src/core/pod-failure.js';
import type {Progress} from '../../src/core/ports.js';
import {changeTraffic} from '../../src/core/traffic-change.js';
import {historyAnnotation} from '../../src/core/traffic-history.js';
import {computeTraffic, parseTrafficRequest, rollbackTraffic} from '../../src/core/traffic.js';
import {readState, rolloutAnnotation, serializeState, type RolloutSettings} from '../../src/core/rollout/state.js';
import {MemoryKnative} from './memory-knative.js';

const ref = {name: 'hello', namespace: 'default'};
const img = (n: string) => `registry.test/hello@sha256:${n.repeat(64)}`;
const config: FunctionConfig = {name: 'hello', runtime: 'node'};
const firstImage = img('1');
/** The name fn's template gives the revision of `image`. */
const canaryName = (image: string) => buildManifests(config, {image, namespace: 'default'}).revisionName!;

const settings: RolloutSettings = {intervalMs: 1, requests: 10, maxErrorRate: 0.01, maxP95Ms: 500, timeoutMs: 10_000, keepTag: false, check: {kind: 'http', path: '/health'}};
const healthy: GateResult = {passed: true, requests: 10, errors: 0, errorRate: 0, p95Ms: 12, failures: [], sampleErrors: []};
const failing: GateResult = {passed: false, requests: 10, errors: 4, errorRate: 0.4, p95Ms: 30, failures: ['error rate 40% (4/10) is above --max-error-rate 1%'], sampleErrors: ['HTTP 503']};

let svc: MemoryKnative;
let events: RolloutEvent[];
let checks: CheckTarget[];
let now: number;
let gateFor: (target: CheckTarget, signal: AbortSignal) => GateResult | Promise<GateResult>;
/** Runs on each event as the rollout emits it (what another process does at that moment). */
let onEvent: (event: RolloutEvent) => void;
/** What onEvent started, awaited by the tests so that its failures fail them. */
let sideEffects: Promise<unknown>[];
let diagnose: RevisionDiagnosis | undefined;
/** Long enough never to be reached in a test that passes. */
const LONG = 20_000;

function deps(owner = {pid: 100, host: 'laptop'}, alive = false): RolloutDeps {
  return {
    knative: svc,
    ref,
    config,
    healthFor: () => ({
      check: async (target, signal) => {
        checks.push(target);
        return gateFor(target, signal);
      },
    }),
    now: () => now,
    owner,
    ownerAlive: () => alive,
    emit: (e) => {
      events.push(e);
      onEvent(e);
    },
    newId: () => 'r1',
    ...(diagnose ? {diagnose} : {}),
  };
}

/** Runs `action` beside the rollout (as another process would), its failures kept for the test. */
function meanwhile(action: () => Promise<unknown> | unknown, delayMs = 0): void {
  sideEffects.push(new Promise((resolve) => setTimeout(resolve, delayMs)).then(action));
}

/** Records how many port calls were made when each event was emitted: calls(from, to) are those in between. */
function markCalls(): (from: [string, number?], to: [string, number?]) => string[] {
  const marks: Array<[string, number]> = [];
  onEvent = (e) => marks.push([e.event, svc.calls.length]);
  const at = ([event, nth = 0]: [string, number?]) => marks.filter(([name]) => name === event)[nth][1];
  return (from, to) => svc.calls.slice(at(from), at(to));
}

async function rejection(promise: Promise<unknown>): Promise<FnError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(FnError);
    return e as FnError;
  }
  throw new Error('expected the rollout to fail');
}

const moved = () => events.filter((e) => e.event === 'trafficMoved').map((e) => (e as any).percent);
const stored = () => svc.service('default', 'hello');
const state = () => readState({name: 'hello', annotations: stored().annotations})!;
const writes = () => svc.writes.map((w) => w.change);
const never = new AbortController().signal;

beforeEach(() => {
  svc = new MemoryKnative();
  svc.seed('hello', firstImage, {revisionName: 'hello-00001'});
  events = [];
  checks = [];
  now = Date.parse('2025-01-01T00:00:00Z');
  gateFor = () => healthy;
  onEvent = () => undefined;
  sideEffects = [];
  diagnose = undefined;
});
// What a test started beside the rollout must have worked too.
afterEach(() => Promise.all(sideEffects));

describe('a healthy rollout', () => {
  test('deploys the image at 0% under the tag, gates every step and ends on @latest at 100%', async () => {
    const image = img('2');
    const canary = canaryName(image);
    const outcome = await startRollout(deps(), {image, tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    expect(outcome).toMatchObject({event: 'done', status: 'succeeded', canary});
    expect(moved()).toEqual([5, 25, 50, 100]);
    expect(stored().traffic).toEqual([{latestRevision: true, percent: 100}]);
    expect(state()).toMatchObject({status: 'succeeded', step: 3, canary: {revisionName: canary, tag: 'canary'}, prior: [{revisionName: 'hello-00001', percent: 100}]});
    // The claim pins the prior share; the image comes with the new revision (named by fn's template)
    // at 0% under its tag, and the rollout state in the same apply.
    expect(writes()[0]).toMatchObject({kind: 'traffic', traffic: [{revisionName: 'hello-00001', percent: 100}]});
    const deployed = writes()[1];
    if (deployed.kind !== 'apply' || deployed.manifests.routing !== 'service') throw new Error('expected the canary apply');
    expect(deployed.manifests.service.spec.template.spec.containers[0].image).toBe(image);
    expect(deployed.manifests.service.spec.traffic).toEqual([{revisionName: canary, percent: 0, tag: 'canary'}, {revisionName: 'hello-00001', percent: 100}]);
    expect(deployed.manifests.service.metadata.annotations?.[rolloutAnnotation]).toContain('"status":"running"');
    // One gate before each step, against the tag's URL, each after the interval (none before the first).
    expect(checks.map((c) => [c.url, c.nextPercent, c.step])).toEqual([
      ['http://canary-hello.default.example.test/health', 5, 1],
      ['http://canary-hello.default.example.test/health', 25, 2],
      ['http://canary-hello.default.example.test/health', 50, 3],
      ['http://canary-hello.default.example.test/health', 100, 4],
    ]);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['started', 'deployed', 'stepStarted', 'revisionReady', 'gate', 'trafficMoved', 'waiting']));
  });

  test('every step number in the events is 1-based', async () => {
    await startRollout(deps(), {image: img('2'), tag: 'canary', steps: [5, 25, 100], settings}, never);
    const steps = (name: string) => events.filter((e) => e.event === name).map((e) => (e as {step: number}).step);
    expect(steps('stepStarted')).toEqual([1, 2, 3]);
    expect(steps('gate')).toEqual([1, 2, 3]);
    expect(steps('trafficMoved')).toEqual([1, 2, 3]);
    // "waiting before step N"
    expect(steps('waiting')).toEqual([2, 3]);
  });

  test('a function too long for fn to name its revisions: the canary follows @latest at 0% until the server names it', async () => {
    const long = 'a'.repeat(60);
    svc.seed(long, firstImage, {revisionName: `${long}-00001`});
    const longConfig: FunctionConfig = {name: long, runtime: 'node'};
    expect(buildManifests(longConfig, {image: img('2')}).revisionName).toBeUndefined();
    const outcome = await startRollout({...deps(), ref: {name: long, namespace: 'default'}, config: longConfig}, {image: img('2'), tag: 'canary', steps: [50, 100], settings}, never);
    expect(outcome.canary).toBe(`${long}-00002`);
    const deployed = writes()[1];
    if (deployed.kind !== 'apply' || deployed.manifests.routing !== 'service') throw new Error('expected the canary apply');
    expect(deployed.manifests.service.spec.traffic).toEqual([{latestRevision: true, percent: 0, tag: 'canary'}, {revisionName: `${long}-00001`, percent: 100}]);
    expect(writes()[2]).toMatchObject({kind: 'traffic', traffic: [{revisionName: `${long}-00002`, percent: 0, tag: 'canary'}, {revisionName: `${long}-00001`, percent: 100}]});
  });

  test('status updates racing every write (stale resourceVersions) do not stop it', async () => {
    svc.statusRace = true;
    const outcome = await startRollout(deps(), {image: img('2'), tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    expect(outcome.status).toBe('succeeded');
    expect(moved()).toEqual([5, 25, 50, 100]);
    expect(stored().traffic).toEqual([{latestRevision: true, percent: 100}]);
  });

  test('the rest keeps its split proportionally at every step', async () => {
    svc.addRevision('hello', 'hello-00002');
    stored().traffic = [
      {revisionName: 'hello-00001', percent: 90, tag: 'stable'},
      {revisionName: 'hello-00002', percent: 10},
    ];
    svc.addRevision('hello', 'hello-00003');
    await startRollout(deps(), {revision: 'hello-00003', tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    const blocks = events.filter((e) => e.event === 'trafficMoved').map((e) => (e as any).traffic);
    expect(blocks[0]).toEqual([{revisionName: 'hello-00003', percent: 5, tag: 'canary'}, {revisionName: 'hello-00001', percent: 86, tag: 'stable'}, {revisionName: 'hello-00002', percent: 9}]);
    expect(blocks[1]).toEqual([{revisionName: 'hello-00003', percent: 25, tag: 'canary'}, {revisionName: 'hello-00001', percent: 68, tag: 'stable'}, {revisionName: 'hello-00002', percent: 7}]);
    // Pinned before: the end stays pinned (no @latest), the stable tag keeps its URL at 0%, the canary tag goes.
    expect(stored().traffic).toEqual([{revisionName: 'hello-00003', percent: 100}, {revisionName: 'hello-00001', percent: 0, tag: 'stable'}]);
  });

  test('--check-url replaces the tag URL', async () => {
    await startRollout(deps(), {image: img('2'), tag: 'canary', steps: [100], settings: {...settings, check: {kind: 'http', path: 'ping', url: 'http://127.0.0.1:9999/'}}}, never);
    expect(checks[0].url).toBe('http://127.0.0.1:9999/ping');
  });
});

describe('waiting watches, never polls', () => {
  test('the interval between steps is one watch of the function, and the next step starts without a read', async () => {
    const calls = markCalls();
    await startRollout(deps(), {image: img('2'), tag: 'canary', steps: [50, 100], settings: {...settings, intervalMs: 30}}, never);
    expect(calls(['waiting'], ['stepStarted', 1])).toEqual(['watchUntil']);
    // The watch left the function as it is now: the canary is Ready, nothing to ask.
    expect(calls(['stepStarted', 1], ['revisionReady', 1])).toEqual([]);
  });

  test('a canary that takes a while: one watch of the function, which ends when it is Ready', async () => {
    svc.nextRevision = {ready: 'Unknown'};
    const calls = markCalls();
    const marked = onEvent;
    onEvent = (e) => {
      marked(e);
      if (e.event === 'stepStarted' && e.step === 1) meanwhile(() => svc.setRevision(canaryName(img('2')), {ready: 'True'}), 20);
    };
    const outcome = await startRollout(deps(), {image: img('2'), tag: 'canary', steps: [50, 100], settings: {...settings, timeoutMs: LONG}}, never);
    expect(outcome.status).toBe('succeeded');
    expect(calls(['stepStarted'], ['revisionReady'])).toEqual(['watchUntil']);
  });

  describe('--revision of an older revision: the Service does not show its readiness, its own watch does', () => {
    beforeEach(() => {
      svc.addRevision('hello', 'hello-00002', 'Unknown');
      svc.addRevision('hello', 'hello-00003');
    });
    const request = {revision: 'hello-00002', tag: 'canary', steps: [50, 100], settings: {...settings, timeoutMs: LONG}};

    test('it becomes Ready: the rollout goes on', async () => {
      const calls = markCalls();
      const marked = onEvent;
      onEvent = (e) => {
        marked(e);
        if (e.event === 'stepStarted' && e.step === 1) meanwhile(() => svc.setRevision('hello-00002', {ready: 'True'}), 20);
      };
      const outcome = await startRollout(deps(), request, never);
      expect(outcome).toMatchObject({status: 'succeeded', canary: 'hello-00002'});
      expect(moved()).toEqual([50, 100]);
      // One read of the revision, then its watch beside a watch of the function (for an abort or take-over).
      expect(calls(['stepStarted'], ['revisionReady']).sort()).toEqual(['revision', 'watchRevisionUntil', 'watchUntil']);
      expect(stored().traffic).toEqual([{revisionName: 'hello-00002', percent: 100}]);
    });

    test('it fails: the rollout stops with its reason', async () => {
      onEvent = (e) => e.event === 'stepStarted' && meanwhile(() => svc.setRevision('hello-00002', {ready: 'False', reason: 'ExitCode1', message: 'boom'}), 20);
      const error = await rejection(startRollout(deps(), request, never));
      expect(error.exitCode).toBe(13);
      expect(error.message).toContain('revision hello-00002 failed: ExitCode1: boom');
      expect(stored().traffic).toEqual([{revisionName: 'hello-00003', percent: 100}]);
    });

    test('an abort meanwhile ends the wait at once', async () => {
      onEvent = (e) => e.event === 'stepStarted' && meanwhile(() => abortRollout(svc, ref, {pid: 200, host: 'ci'}, () => now), 10);
      const started = Date.now();
      const error = await rejection(startRollout(deps(), request, never));
      await Promise.all(sideEffects);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error.code).toBe('ROLLOUT_ABORTED');
    });

    test('it never becomes Ready: --timeout (a real 50 ms here) rolls back', async () => {
      const error = await rejection(startRollout(deps(), {...request, settings: {...settings, timeoutMs: 50}}, never));
      expect(error.message).toContain('revision hello-00002 was not Ready within 50ms');
      expect(stored().traffic).toEqual([{revisionName: 'hello-00003', percent: 100}]);
    });
  });
});

describe('rollback', () => {
  const prior: TrafficTarget[] = [
    {revisionName: 'hello-00001', percent: 70, tag: 'stable'},
    {latestRevision: true, percent: 30},
  ];
  beforeEach(() => {
    svc.addRevision('hello', 'hello-00002');
    stored().traffic = structuredClone(prior);
  });
  const exactPrior = [
    {revisionName: 'hello-00001', percent: 70, tag: 'stable'},
    {revisionName: 'hello-00002', percent: 30},
  ];

  test('a failed gate puts back exactly the prior split (@latest pinned) and says what failed', async () => {
    gateFor = (t) => (t.nextPercent === 50 ? failing : healthy);
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 25, 50, 100], settings}, never));
    expect(error.exitCode).toBe(13);
    expect(error.code).toBe('ROLLOUT_ROLLED_BACK');
    expect(error.message).toContain('step 3/4 (50%)');
    expect(error.message).toContain('error rate 40% (4/10)');
    expect(error.details).toMatchObject({step: 3, percent: 50, gate: {errorRate: 0.4}, traffic: exactPrior, canary: canaryName(img('3'))});
    expect(stored().traffic).toEqual(exactPrior);
    expect(state()).toMatchObject({status: 'rolledBack', step: 1});
    expect(moved()).toEqual([5, 25]);
  });

  test('a failed gate before the first step never gives the canary traffic', async () => {
    gateFor = () => failing;
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 100], settings}, never));
    expect(error.details).toMatchObject({step: 1, percent: 5});
    expect(moved()).toEqual([]);
    expect(stored().traffic).toEqual(exactPrior);
  });

  test('a revision that fails stops the rollout with its reason', async () => {
    svc.nextRevision = {ready: 'False', reason: 'ImagePullBackOff', message: 'the image could not be pulled'};
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 100], settings}, never));
    expect(error.exitCode).toBe(13);
    expect(error.message).toContain(`revision ${canaryName(img('3'))} failed: ImagePullBackOff: the image could not be pulled`);
    expect(checks).toEqual([]);
    expect(stored().traffic).toEqual(exactPrior);
  });

  test('a revision that never becomes Ready times out after --timeout (a real 50 ms here) and rolls back', async () => {
    svc.nextRevision = {ready: 'Unknown'};
    const started = Date.now();
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 100], settings: {...settings, timeoutMs: 50}}, never));
    expect(error.message).toContain('was not Ready within 50ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(stored().traffic).toEqual(exactPrior);
  });

  test('a revision whose pods cannot start stops the wait at once, with what the pods say', async () => {
    svc.nextRevision = {ready: 'Unknown'};
    diagnose = async () => ({reason: 'ExitCode1', message: 'the container exited with code 1', logTail: ['Error: boom']});
    const started = Date.now();
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 100], settings: {...settings, timeoutMs: LONG}}, never));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.exitCode).toBe(13);
    expect(error.message).toContain(`revision ${canaryName(img('3'))} failed: ExitCode1: the container exited with code 1\nlast log lines:\n  | Error: boom`);
    expect(checks).toEqual([]);
    expect(stored().traffic).toEqual(exactPrior);
  });

  test('Ctrl-C while the canary is becoming Ready rolls back at once', async () => {
    svc.nextRevision = {ready: 'Unknown'};
    const interrupt = new AbortController();
    onEvent = (e) => e.event === 'stepStarted' && meanwhile(() => interrupt.abort(), 10);
    const started = Date.now();
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 100], settings: {...settings, timeoutMs: LONG}}, interrupt.signal));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.message).toContain('interrupted (Ctrl-C)');
    expect(stored().traffic).toEqual(exactPrior);
  });

  test('Ctrl-C during a gate rolls back', async () => {
    const interrupt = new AbortController();
    gateFor = (t) => {
      if (t.nextPercent === 25) interrupt.abort();
      return healthy;
    };
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 25, 100], settings}, interrupt.signal));
    expect(error.message).toContain('interrupted (Ctrl-C)');
    expect(stored().traffic).toEqual(exactPrior);
  });

  test('--keep-tag leaves the canary reachable at 0% after a rollback', async () => {
    gateFor = () => failing;
    await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [5, 100], settings: {...settings, keepTag: true}}, never));
    expect(stored().traffic).toEqual([...exactPrior, {revisionName: canaryName(img('3')), percent: 0, tag: 'canary'}]);
  });
});

describe('from another process', () => {
  const request = {image: img('2'), tag: 'canary', steps: [5, 25, 50, 100], settings};

  test('abort during the interval ends it at once: the prior split is back and the driver exits rolledBack', async () => {
    onEvent = (e) => {
      if (e.event === 'waiting' && e.step === 2) {
        meanwhile(async () => {
          const result = await abortRollout(svc, ref, {pid: 200, host: 'ci'}, () => now);
          expect(result.traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
        });
      }
    };
    const started = Date.now();
    const error = await rejection(startRollout(deps(), {...request, settings: {...settings, intervalMs: LONG}}, never));
    await Promise.all(sideEffects);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.code).toBe('ROLLOUT_ABORTED');
    expect(error.exitCode).toBe(13);
    expect(error.message).toContain('aborted by pid 200 on ci');
    expect(stored().traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
    expect(state()).toMatchObject({status: 'aborted', reason: 'aborted by pid 200 on ci'});
    expect(moved()).toEqual([5]);
  });

  test('promote during the interval: the canary takes everything at once and the driver ends successfully', async () => {
    onEvent = (e) => e.event === 'waiting' && e.step === 2 && meanwhile(() => promoteRollout(svc, ref, {pid: 200, host: 'ci'}, () => now));
    const started = Date.now();
    const outcome = await startRollout(deps(), {...request, settings: {...settings, intervalMs: LONG}}, never);
    await Promise.all(sideEffects);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(outcome).toMatchObject({status: 'promoted', by: 'promoted by pid 200 on ci'});
    expect(stored().traffic).toEqual([{latestRevision: true, percent: 100}]);
  });

  test('a second rollout is refused while one runs; status shows it', async () => {
    let looked = false;
    gateFor = async (t) => {
      if (t.step === 2) {
        const error = await rejection(startRollout(deps({pid: 300, host: 'laptop'}), {...request, image: img('9')}, never));
        expect(error.code).toBe('ROLLOUT_IN_PROGRESS');
        expect(error.exitCode).toBe(3);
        const view = await rolloutStatus(svc, ref, 'laptop', () => true);
        expect(view).toMatchObject({ownerAlive: true, rollout: {status: 'running', step: 0, owner: {pid: 100}}});
        looked = true;
      }
      return healthy;
    };
    await startRollout(deps(), request, never);
    expect(looked).toBe(true);
  });

  test('taken over from another host during the interval (resume --force): the first driver stops at once, the second finishes', async () => {
    let second: Promise<unknown> | undefined;
    onEvent = (e) => {
      if (e.event === 'waiting' && !second) second = resumeRollout(deps({pid: 5, host: 'ci-runner'}), {force: true}, never);
    };
    const started = Date.now();
    const error = await rejection(startRollout(deps(), {...request, steps: [5, 100], settings: {...settings, intervalMs: LONG}}, never));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({code: 'ROLLOUT_TAKEN_OVER', exitCode: 3});
    expect(error.message).toContain('taken over by pid 5 on ci-runner');
    expect(await second).toMatchObject({status: 'succeeded'});
    expect(stored().traffic).toEqual([{latestRevision: true, percent: 100}]);
  });

  test('abort while the canary is becoming Ready ends the wait at once', async () => {
    svc.nextRevision = {ready: 'Unknown'};
    onEvent = (e) => e.event === 'stepStarted' && meanwhile(() => abortRollout(svc, ref, {pid: 200, host: 'ci'}, () => now), 10);
    const started = Date.now();
    const error = await rejection(startRollout(deps(), {...request, settings: {...settings, timeoutMs: LONG}}, never));
    await Promise.all(sideEffects);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.code).toBe('ROLLOUT_ABORTED');
    expect(stored().traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
  });

  test('abort and promote of a finished rollout are refused', async () => {
    await startRollout(deps(), request, never);
    expect((await rejection(abortRollout(svc, ref, {pid: 1, host: 'x'}, () => now))).code).toBe('ROLLOUT_FINISHED');
    expect((await rejection(promoteRollout(svc, ref, {pid: 1, host: 'x'}, () => now))).code).toBe('ROLLOUT_FINISHED');
  });
});

describe('resume', () => {
  /** A rollout left at step 2 (25%) by pid 100 on laptop, which then died. */
  function leftRunning() {
    svc.addRevision('hello', 'hello-00002');
    stored().traffic = [{revisionName: 'hello-00002', percent: 25, tag: 'canary'}, {revisionName: 'hello-00001', percent: 75}];
    stored().annotations[rolloutAnnotation] = serializeState({
      version: 1,
      id: 'r0',
      canary: {revisionName: 'hello-00002', tag: 'canary', image: img('2')},
      prior: [{revisionName: 'hello-00001', percent: 100}],
      followLatest: true,
      steps: [5, 25, 50, 100],
      step: 1,
      status: 'running',
      settings,
      owner: {pid: 100, host: 'laptop'},
      startedAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
  }

  test('takes over from a dead owner on this host and goes on from the next step', async () => {
    leftRunning();
    const outcome = await resumeRollout(deps({pid: 101, host: 'laptop'}, false), {}, never);
    expect(outcome.status).toBe('succeeded');
    expect(moved()).toEqual([50, 100]);
    expect(events[0]).toMatchObject({event: 'started', resumedFromStep: 3});
    expect(state()).toMatchObject({id: 'r0', status: 'succeeded', owner: {pid: 101}});
  });

  test('rerunning the same rollout resumes it', async () => {
    leftRunning();
    await startRollout(deps({pid: 101, host: 'laptop'}), {image: img('2'), tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    expect(moved()).toEqual([50, 100]);
  });

  test('refuses while the owner still runs here, or lives on another host without --force', async () => {
    leftRunning();
    const alive = await rejection(resumeRollout(deps({pid: 101, host: 'laptop'}, true), {}, never));
    expect(alive).toMatchObject({code: 'ROLLOUT_OWNED', exitCode: 3});
    expect(alive.message).toContain('pid 100 on laptop is still driving');
    const elsewhere = await rejection(resumeRollout(deps({pid: 5, host: 'ci-runner'}), {}, never));
    expect(elsewhere.suggestion).toContain('--force');
    const forced = await resumeRollout(deps({pid: 5, host: 'ci-runner'}), {force: true}, never);
    expect(forced.status).toBe('succeeded');
  });

  test('a resumed rollout that fails still restores the split from before the first process started', async () => {
    leftRunning();
    gateFor = () => failing;
    const error = await rejection(resumeRollout(deps({pid: 101, host: 'laptop'}), {}, never));
    expect(error.details).toMatchObject({step: 3, percent: 50});
    expect(stored().traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
  });

  test('nothing to resume is a clear error', async () => {
    expect((await rejection(resumeRollout(deps(), {}, never))).code).toBe('ROLLOUT_NOT_FOUND');
  });
});

describe('refusals before anything is written', () => {
  test('the template the service already runs (same image, same fn.yaml), at 100%: done, unchanged, nothing written', async () => {
    svc.seed('hello', firstImage, {revisionName: canaryName(firstImage)});
    // A CI job run again on the same commit: the end state holds.
    const outcome = await startRollout(deps(), {image: firstImage, tag: 'canary', steps: [100], settings}, never);
    expect(outcome).toMatchObject({event: 'done', status: 'unchanged', canary: canaryName(firstImage), image: firstImage, steps: []});
    expect(svc.writes).toEqual([]);
    expect(events).toEqual([]);
  });

  test('the same template again after its rollout was rolled back: nothing new, and how to roll it out again', async () => {
    svc.seed('hello', firstImage, {revisionName: canaryName(firstImage)});
    gateFor = () => failing;
    expect((await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [50, 100], settings}, never))).code).toBe('ROLLOUT_ROLLED_BACK');
    const writes = svc.writes.length;
    const error = await rejection(startRollout(deps(), {image: img('3'), tag: 'canary', steps: [50, 100], settings}, never));
    expect(error).toMatchObject({code: 'ROLLOUT_NOTHING_NEW', exitCode: 2});
    expect(error.message).toContain(`with this fn.yaml (revision ${canaryName(img('3'))})`);
    expect(error.suggestion).toContain(`--revision ${canaryName(img('3'))}`);
    expect(svc.writes.length).toBe(writes);
  });

  test('the same image with a changed fn.yaml is a new revision to roll out', async () => {
    svc.seed('hello', firstImage, {revisionName: canaryName(firstImage)});
    const changed = {...config, env: [{name: 'GREETING', value: 'hi'}]};
    const outcome = await startRollout({...deps(), config: changed}, {image: firstImage, tag: 'canary', steps: [100], settings}, never);
    expect(outcome).toMatchObject({status: 'succeeded', canary: buildManifests(changed, {image: firstImage, namespace: 'default'}).revisionName});
  });
  test('no --image and the latest revision already serves', async () => {
    const error = await rejection(startRollout(deps(), {tag: 'canary', steps: [100], settings}, never));
    expect(error.code).toBe('ROLLOUT_NOTHING_NEW');
  });
  test('a revision that does not exist', async () => {
    const error = await rejection(startRollout(deps(), {revision: 'hello-00042', tag: 'canary', steps: [100], settings}, never));
    expect(error).toMatchObject({code: 'ROLLOUT_REVISION_NOT_FOUND', exitCode: 8});
  });
});

describe('fn rollback after a rollout (the traffic history, fn.dev/traffic-history)', () => {
  const quiet: Progress = {step: () => undefined, info: () => undefined, warn: () => undefined, detail: () => undefined, status: () => undefined};
  const request = {image: img('3'), tag: 'canary', steps: [50, 100], settings};
  const rollback = () => changeTraffic(svc, ref, (s) => rollbackTraffic(s), {wait: true, timeoutSeconds: 5, by: 'rollback'}, quiet);
  const shares = () => stored().traffic.filter((t) => (t.percent ?? 0) > 0).map((t) => [t.latestRevision ? `@latest=${stored().latestReady}` : t.revisionName, t.percent]);
  const history = () => stored().annotations[historyAnnotation];
  const entries = () => JSON.parse(history()).entries;

  // What served before the rollout came from a recorded change: fn traffic moved hello-00001's 100% to hello-00002.
  beforeEach(async () => {
    stored().traffic = [{revisionName: 'hello-00001', percent: 100}];
    svc.addRevision('hello', 'hello-00002');
    await changeTraffic(svc, ref, (s) => computeTraffic(s, parseTrafficRequest({split: ['hello-00002=100']})), {wait: true, timeoutSeconds: 5}, quiet);
    expect(entries()).toHaveLength(1);
  });

  test('a rollout that reaches 100% is one recorded change: fn rollback puts back the split from before it, a second one the change before that', async () => {
    const outcome = await startRollout(deps(), request, never);
    expect(outcome.status).toBe('succeeded');
    expect(entries().at(-1)).toEqual({before: [{revisionName: 'hello-00002', percent: 100}], after: [{revisionName: outcome.canary, percent: 100}], by: 'rollout', at: expect.any(String)});
    expect(entries()).toHaveLength(2);
    await rollback();
    expect(shares()).toEqual([['hello-00002', 100]]);
    await rollback();
    expect(shares()).toEqual([['hello-00001', 100]]);
  });

  test('promoted from another process: the same one record, in the promote\'s write', async () => {
    onEvent = (e) => e.event === 'waiting' && meanwhile(() => promoteRollout(svc, ref, {pid: 200, host: 'ci'}, () => now));
    const outcome = await startRollout(deps(), {...request, settings: {...settings, intervalMs: LONG}}, never);
    await Promise.all(sideEffects);
    expect(outcome.status).toBe('promoted');
    expect(entries().at(-1)).toMatchObject({before: [{revisionName: 'hello-00002', percent: 100}], after: [{revisionName: outcome.canary, percent: 100}], by: 'rollout'});
    await rollback();
    expect(shares()).toEqual([['hello-00002', 100]]);
  });

  test.each<[string, () => void]>([
    ['a failed gate', () => (gateFor = (t) => (t.step === 2 ? failing : healthy))],
    ['an abort from another process', () => (onEvent = (e) => e.event === 'waiting' && meanwhile(() => abortRollout(svc, ref, {pid: 200, host: 'ci'}, () => now)))],
  ])('rolled back after %s: the history is as it was before the rollout, so fn rollback undoes the change before it', async (_title, arrange) => {
    const before = history();
    arrange();
    const error = await rejection(startRollout(deps(), {...request, settings: {...settings, intervalMs: 50}}, never));
    await Promise.all(sideEffects);
    expect(error.exitCode).toBe(13);
    expect(shares()).toEqual([['hello-00002', 100]]);
    expect(history()).toBe(before);
    await rollback();
    expect(shares()).toEqual([['hello-00001', 100]]);
  });
});

describe('a Service another tool touched (kn --concurrency-limit --scale-min)', () => {
  const quiet: Progress = {step: () => undefined, info: () => undefined, warn: () => undefined, detail: () => undefined, status: () => undefined};
  const deployed = (image: string, extra: object = {}) => deploy(svc, {config, image, namespace: 'default', routing: 'service', wait: true, timeoutSeconds: 5, ...extra}, quiet);
  const kn = {metadata: {name: 'hello-kn-00004', annotations: {'autoscaling.knative.dev/min-scale': '1'}}, spec: {containerConcurrency: 10}};

  test('the canary is named as fn deploy names it, for the template it really gets: not the name an earlier revision of fn\'s fields alone took', async () => {
    await deployed(img('a'));
    // img('b') once deployed without kn's fields: its plain name is taken by that revision.
    const plain = (await deployed(img('b'), {noTraffic: true})).revision!;
    svc.otherTool('kn', {template: kn});
    await deployed(img('a'), {force: true});
    const live = (await svc.get(ref))!;
    expect(live.templateSetByOthers).toEqual({metadata: {annotations: kn.metadata.annotations}, spec: kn.spec});
    const expected = buildManifests(config, {image: img('b'), namespace: 'default', setByOthers: live.templateSetByOthers}).revisionName!;
    expect(expected).not.toBe(plain);

    const outcome = await startRollout(deps(), {image: img('b'), tag: 'canary', steps: [100], settings}, never);
    expect(outcome).toMatchObject({status: 'succeeded', canary: expected});
    expect(stored().template).toMatchObject({metadata: {name: expected, annotations: kn.metadata.annotations}, spec: {containerConcurrency: 10}});
  });

  test('kn changes the template between the claim (which named the canary) and its apply: nothing of the canary is applied, the split is put back', async () => {
    let first = true;
    svc.afterWrite = () => {
      if (!first) return;
      first = false;
      svc.otherTool('kn', {template: {spec: {containerConcurrency: 3}}});
    };
    const error = await rejection(startRollout(deps(), {image: img('b'), tag: 'canary', steps: [100], settings}, never));
    expect(error).toMatchObject({code: 'ROLLOUT_ROLLED_BACK', exitCode: 13});
    expect(error.message).toContain('the template of hello changed while the rollout started');
    expect(writes().filter((w) => w.kind === 'apply')).toEqual([]);
    expect(stored().traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
    expect(state()).toMatchObject({status: 'rolledBack'});
  });
});
