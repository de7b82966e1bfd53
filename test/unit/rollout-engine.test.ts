// The rollout engine against an in-memory Service that behaves like Knative's where it matters here:
// every write and every status update bumps resourceVersion, a new image makes a new revision,
// status.traffic resolves @latest and publishes tag URLs once the controller has observed the spec.
import {beforeEach, describe, expect, test} from '@jest/globals';
import {FnError} from '../../src/core/errors.js';
import {abortRollout, promoteRollout, rolloutStatus} from '../../src/core/rollout/control.js';
import {readState, resumeRollout, startRollout, type RolloutDeps} from '../../src/core/rollout/engine.js';
import type {RolloutEvent} from '../../src/core/rollout/events.js';
import type {GateResult} from '../../src/core/rollout/gate.js';
import {conflictCode, type CheckTarget, type ImageDeploy, type RevisionSnapshot, type RolloutCluster, type ServiceSnapshot, type ServiceWrite} from '../../src/core/rollout/ports.js';
import type {TrafficTarget} from '../../src/core/rollout/split.js';
import {rolloutAnnotation, serializeState, type RolloutSettings} from '../../src/core/rollout/state.js';

class MemoryService implements RolloutCluster {
  readonly namespace = 'default';
  rv = 1;
  observed = true;
  annotations: Record<string, string> = {};
  traffic: TrafficTarget[] = [];
  image = 'registry.test/hello@sha256:1';
  revisions = new Map<string, RevisionSnapshot>([['hello-00001', {name: 'hello-00001', ready: 'True'}]]);
  latestCreated = 'hello-00001';
  latestReady = 'hello-00001';
  /** Readiness a new revision gets when the controller creates it. */
  nextRevision: Omit<RevisionSnapshot, 'name'> = {ready: 'True'};
  writes: Array<ServiceWrite & {image?: string}> = [];

  async getService(name: string): Promise<ServiceSnapshot> {
    if (name !== 'hello') throw new FnError('NOT_FOUND', 'notFound', `no service ${name}`);
    if (!this.observed) this.reconcile();
    return this.snapshot();
  }

  /** Name the template gives the next revision (fn's templates are named; long names are not). */
  templateName?: string;

  async deployImage(name: string, deploy: ImageDeploy): Promise<ServiceSnapshot> {
    return this.writeService(name, {resourceVersion: deploy.resourceVersion, traffic: deploy.traffic, annotations: {}, image: deploy.image});
  }

  async writeService(name: string, change: ServiceWrite & {image?: string}): Promise<ServiceSnapshot> {
    if (change.resourceVersion !== String(this.rv)) throw new FnError(conflictCode, 'conflict', `hello changed (rv ${this.rv}, wrote ${change.resourceVersion})`);
    this.writes.push(structuredClone(change));
    for (const [key, value] of Object.entries(change.annotations)) {
      if (value === null) delete this.annotations[key];
      else this.annotations[key] = value;
    }
    const specChanged = JSON.stringify(change.traffic) !== JSON.stringify(this.traffic) || (change.image !== undefined && change.image !== this.image);
    this.traffic = structuredClone(change.traffic);
    if (change.image) this.image = change.image;
    this.rv++;
    if (specChanged) this.observed = false;
    const written = this.snapshot();
    // The controller writing status right after us: the version we just got back is stale already.
    if (this.statusRace) this.rv++;
    return written;
  }

  /** Bump resourceVersion after every write, as a busy controller does. */
  statusRace = false;

  async getRevision(name: string): Promise<RevisionSnapshot | undefined> {
    return this.revisions.get(name);
  }

  /** What the Knative controller does: a new revision for a new image, status.traffic, a status write. */
  private reconcile() {
    const current = this.revisions.get(this.latestCreated);
    if (current && this.image !== (current as any).image && this.imageOf(this.latestCreated) !== this.image) {
      const next = this.templateName ?? `hello-${String(this.revisions.size + 1).padStart(5, '0')}`;
      this.revisions.set(next, {name: next, ...this.nextRevision, ...({image: this.image} as object)});
      this.latestCreated = next;
    }
    if (this.revisions.get(this.latestCreated)?.ready === 'True') this.latestReady = this.latestCreated;
    this.observed = true;
    this.rv++; // the status update
  }

  private imageOf(name: string): string {
    return (this.revisions.get(name) as any)?.image ?? 'registry.test/hello@sha256:1';
  }

  snapshot(): ServiceSnapshot {
    const statusTraffic = (this.traffic.length ? this.traffic : [{latestRevision: true, percent: 100}]).map((t) => ({
      revisionName: t.latestRevision ? this.latestReady : t.revisionName,
      ...(t.latestRevision ? {latestRevision: true} : {}),
      percent: t.percent,
      ...(t.tag ? {tag: t.tag, url: `http://${t.tag}-hello.default.example.test`} : {}),
    }));
    return {
      name: 'hello',
      namespace: 'default',
      resourceVersion: String(this.rv),
      observed: this.observed,
      annotations: {...this.annotations},
      traffic: structuredClone(this.traffic),
      image: this.image,
      latestCreatedRevisionName: this.latestCreated,
      latestReadyRevisionName: this.latestReady,
      statusTraffic: this.observed ? statusTraffic : [],
      conditions: [],
    };
  }

  /** Add a ready revision, as `fn deploy --no-traffic` would. */
  addRevision(name: string, ready: RevisionSnapshot['ready'] = 'True') {
    this.revisions.set(name, {name, ready});
    this.latestCreated = name;
    if (ready === 'True') this.latestReady = name;
  }
}

const settings: RolloutSettings = {intervalMs: 1000, requests: 10, maxErrorRate: 0.01, maxP95Ms: 500, timeoutMs: 10_000, keepTag: false, check: {kind: 'http', path: '/health'}};
const healthy: GateResult = {passed: true, requests: 10, errors: 0, errorRate: 0, p95Ms: 12, failures: [], sampleErrors: []};
const failing: GateResult = {passed: false, requests: 10, errors: 4, errorRate: 0.4, p95Ms: 30, failures: ['error rate 40% (4/10) is above --max-error-rate 1%'], sampleErrors: ['HTTP 503']};

let svc: MemoryService;
let events: RolloutEvent[];
let checks: CheckTarget[];
let now: number;
let gateFor: (target: CheckTarget, signal: AbortSignal) => GateResult | Promise<GateResult>;
let onSleep: () => Promise<void> | void;

function deps(owner = {pid: 100, host: 'laptop'}, alive = false): RolloutDeps {
  return {
    cluster: svc,
    healthFor: () => ({
      check: async (target, signal) => {
        checks.push(target);
        return gateFor(target, signal);
      },
    }),
    clock: {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        await onSleep();
      },
    },
    owner,
    ownerAlive: () => alive,
    emit: (e) => events.push(e),
    newId: () => 'r1',
    pollMs: 500,
  };
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
const inInterval = () => events.at(-1)?.event === 'waiting';
const state = () => readState(svc.snapshot())!;
const never = new AbortController().signal;

beforeEach(() => {
  svc = new MemoryService();
  events = [];
  checks = [];
  now = Date.parse('2025-01-01T00:00:00Z');
  gateFor = () => healthy;
  onSleep = () => undefined;
});

describe('a healthy rollout', () => {
  test('deploys the image at 0% under the tag, gates every step and ends on @latest at 100%', async () => {
    const outcome = await startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:2', tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    expect(outcome).toMatchObject({event: 'done', status: 'succeeded', canary: 'hello-00002'});
    expect(moved()).toEqual([5, 25, 50, 100]);
    expect(svc.traffic).toEqual([{latestRevision: true, percent: 100}]);
    expect(state()).toMatchObject({status: 'succeeded', step: 3, canary: {revisionName: 'hello-00002', tag: 'canary'}, prior: [{revisionName: 'hello-00001', percent: 100}]});
    // The claim pins the prior share; the image comes with the new revision at 0% under its tag
    // (latestRevision until the server has named it), then that name is pinned.
    expect(svc.writes[0]).toMatchObject({traffic: [{revisionName: 'hello-00001', percent: 100}]});
    expect(svc.writes[0].image).toBeUndefined();
    expect(svc.writes[1]).toMatchObject({image: 'registry.test/hello@sha256:2', traffic: [{latestRevision: true, percent: 0, tag: 'canary'}, {revisionName: 'hello-00001', percent: 100}]});
    expect(svc.writes[2].traffic).toEqual([{revisionName: 'hello-00002', percent: 0, tag: 'canary'}, {revisionName: 'hello-00001', percent: 100}]);
    // One gate before each step, against the tag's URL, each after the interval (none before the first).
    expect(checks.map((c) => [c.url, c.nextPercent])).toEqual([
      ['http://canary-hello.default.example.test/health', 5],
      ['http://canary-hello.default.example.test/health', 25],
      ['http://canary-hello.default.example.test/health', 50],
      ['http://canary-hello.default.example.test/health', 100],
    ]);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['started', 'deployed', 'stepStarted', 'revisionReady', 'gate', 'trafficMoved', 'waiting']));
  });

  test('a template that names its revision is routed by that name from the first write', async () => {
    svc.templateName = 'hello-abc123';
    await startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:2', imageRevisionName: 'hello-abc123', tag: 'canary', steps: [50, 100], settings}, never);
    expect(svc.writes[1].traffic).toEqual([{revisionName: 'hello-abc123', percent: 0, tag: 'canary'}, {revisionName: 'hello-00001', percent: 100}]);
    expect(moved()).toEqual([50, 100]);
    expect(svc.traffic).toEqual([{latestRevision: true, percent: 100}]);
  });

  test('status updates racing every write (stale resourceVersions) do not stop it', async () => {
    svc.statusRace = true;
    const outcome = await startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:2', tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    expect(outcome.status).toBe('succeeded');
    expect(moved()).toEqual([5, 25, 50, 100]);
    expect(svc.traffic).toEqual([{latestRevision: true, percent: 100}]);
  });

  test('the rest keeps its split proportionally at every step', async () => {
    svc.addRevision('hello-00002');
    svc.traffic = [
      {revisionName: 'hello-00001', percent: 90, tag: 'stable'},
      {revisionName: 'hello-00002', percent: 10},
    ];
    svc.addRevision('hello-00003');
    await startRollout(deps(), {service: 'hello', revision: 'hello-00003', tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    const blocks = events.filter((e) => e.event === 'trafficMoved').map((e) => (e as any).traffic);
    expect(blocks[0]).toEqual([{revisionName: 'hello-00003', percent: 5, tag: 'canary'}, {revisionName: 'hello-00001', percent: 86, tag: 'stable'}, {revisionName: 'hello-00002', percent: 9}]);
    expect(blocks[1]).toEqual([{revisionName: 'hello-00003', percent: 25, tag: 'canary'}, {revisionName: 'hello-00001', percent: 68, tag: 'stable'}, {revisionName: 'hello-00002', percent: 7}]);
    // Pinned before: the end stays pinned (no @latest), the stable tag keeps its URL at 0%, the canary tag goes.
    expect(svc.traffic).toEqual([{revisionName: 'hello-00003', percent: 100}, {revisionName: 'hello-00001', percent: 0, tag: 'stable'}]);
  });

  test('--check-url replaces the tag URL', async () => {
    await startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:2', tag: 'canary', steps: [100], settings: {...settings, check: {kind: 'http', path: 'ping', url: 'http://127.0.0.1:9999/'}}}, never);
    expect(checks[0].url).toBe('http://127.0.0.1:9999/ping');
  });
});

describe('rollback', () => {
  const prior: TrafficTarget[] = [
    {revisionName: 'hello-00001', percent: 70, tag: 'stable'},
    {latestRevision: true, percent: 30},
  ];
  beforeEach(() => {
    svc.addRevision('hello-00002');
    svc.traffic = structuredClone(prior);
  });
  const exactPrior = [
    {revisionName: 'hello-00001', percent: 70, tag: 'stable'},
    {revisionName: 'hello-00002', percent: 30},
  ];

  test('a failed gate puts back exactly the prior split (@latest pinned) and says what failed', async () => {
    gateFor = (t) => (t.nextPercent === 50 ? failing : healthy);
    const error = await rejection(startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:3', tag: 'canary', steps: [5, 25, 50, 100], settings}, never));
    expect(error.exitCode).toBe(13);
    expect(error.code).toBe('ROLLOUT_ROLLED_BACK');
    expect(error.message).toContain('step 3/4 (50%)');
    expect(error.message).toContain('error rate 40% (4/10)');
    expect(error.details).toMatchObject({step: 3, percent: 50, gate: {errorRate: 0.4}, traffic: exactPrior, canary: 'hello-00003'});
    expect(svc.traffic).toEqual(exactPrior);
    expect(state()).toMatchObject({status: 'rolledBack', step: 1});
    expect(moved()).toEqual([5, 25]);
  });

  test('a failed gate before the first step never gives the canary traffic', async () => {
    gateFor = () => failing;
    const error = await rejection(startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:3', tag: 'canary', steps: [5, 100], settings}, never));
    expect(error.details).toMatchObject({step: 1, percent: 5});
    expect(moved()).toEqual([]);
    expect(svc.traffic).toEqual(exactPrior);
  });

  test('a revision that fails stops the rollout with its reason', async () => {
    svc.nextRevision = {ready: 'False', reason: 'ImagePullBackOff', message: 'the image could not be pulled'};
    const error = await rejection(startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:3', tag: 'canary', steps: [5, 100], settings}, never));
    expect(error.exitCode).toBe(13);
    expect(error.message).toContain('revision hello-00003 failed: ImagePullBackOff: the image could not be pulled');
    expect(checks).toEqual([]);
    expect(svc.traffic).toEqual(exactPrior);
  });

  test('a revision that never becomes Ready times out and rolls back', async () => {
    svc.nextRevision = {ready: 'Unknown'};
    const error = await rejection(startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:3', tag: 'canary', steps: [5, 100], settings: {...settings, timeoutMs: 3000}}, never));
    expect(error.message).toContain('was not Ready within 3s');
    expect(svc.traffic).toEqual(exactPrior);
  });

  test('Ctrl-C during a gate rolls back', async () => {
    const interrupt = new AbortController();
    gateFor = (t) => {
      if (t.nextPercent === 25) interrupt.abort();
      return healthy;
    };
    const error = await rejection(startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:3', tag: 'canary', steps: [5, 25, 100], settings}, interrupt.signal));
    expect(error.message).toContain('interrupted (Ctrl-C)');
    expect(svc.traffic).toEqual(exactPrior);
  });

  test('--keep-tag leaves the canary reachable at 0% after a rollback', async () => {
    gateFor = () => failing;
    await rejection(startRollout(deps(), {service: 'hello', image: 'registry.test/hello@sha256:3', tag: 'canary', steps: [5, 100], settings: {...settings, keepTag: true}}, never));
    expect(svc.traffic).toEqual([...exactPrior, {revisionName: 'hello-00003', percent: 0, tag: 'canary'}]);
  });
});

describe('from another process', () => {
  const request = {service: 'hello', image: 'registry.test/hello@sha256:2', tag: 'canary', steps: [5, 25, 50, 100], settings};

  test('abort during the interval: the prior split is back and the driver exits rolledBack', async () => {
    onSleep = async () => {
      if (inInterval() && readState(svc.snapshot())?.step === 1) {
        const result = await abortRollout(svc, 'hello', {pid: 200, host: 'ci'}, () => now);
        expect(result.traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
        onSleep = () => undefined;
      }
    };
    const error = await rejection(startRollout(deps(), request, never));
    expect(error.code).toBe('ROLLOUT_ABORTED');
    expect(error.exitCode).toBe(13);
    expect(error.message).toContain('aborted by pid 200 on ci');
    expect(svc.traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
    expect(state()).toMatchObject({status: 'aborted', reason: 'aborted by pid 200 on ci'});
    expect(moved()).toEqual([5, 25]);
  });

  test('promote: the canary takes everything at once and the driver ends successfully', async () => {
    onSleep = async () => {
      if (inInterval() && readState(svc.snapshot())?.step === 0) {
        await promoteRollout(svc, 'hello', {pid: 200, host: 'ci'}, () => now);
        onSleep = () => undefined;
      }
    };
    const outcome = await startRollout(deps(), request, never);
    expect(outcome).toMatchObject({status: 'promoted', by: 'promoted by pid 200 on ci'});
    expect(svc.traffic).toEqual([{latestRevision: true, percent: 100}]);
  });

  test('a second rollout is refused while one runs; status shows it', async () => {
    onSleep = async () => {
      if (!inInterval()) return;
      onSleep = () => undefined;
      const error = await rejection(startRollout(deps({pid: 300, host: 'laptop'}), {...request, image: 'registry.test/hello@sha256:9'}, never));
      expect(error.code).toBe('ROLLOUT_IN_PROGRESS');
      expect(error.exitCode).toBe(3);
      const view = await rolloutStatus(svc, 'hello', 'laptop', () => true);
      expect(view).toMatchObject({ownerAlive: true, rollout: {status: 'running', step: 0, owner: {pid: 100}}});
    };
    await startRollout(deps(), request, never);
  });

  test('abort and promote of a finished rollout are refused', async () => {
    await startRollout(deps(), request, never);
    expect((await rejection(abortRollout(svc, 'hello', {pid: 1, host: 'x'}, () => now))).code).toBe('ROLLOUT_FINISHED');
    expect((await rejection(promoteRollout(svc, 'hello', {pid: 1, host: 'x'}, () => now))).code).toBe('ROLLOUT_FINISHED');
  });
});

describe('resume', () => {
  /** A rollout left at step 2 (25%) by pid 100 on laptop, which then died. */
  function leftRunning() {
    svc.addRevision('hello-00002');
    svc.traffic = [{revisionName: 'hello-00002', percent: 25, tag: 'canary'}, {revisionName: 'hello-00001', percent: 75}];
    svc.annotations[rolloutAnnotation] = serializeState({
      version: 1,
      id: 'r0',
      canary: {revisionName: 'hello-00002', tag: 'canary', image: 'registry.test/hello@sha256:2'},
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
    const outcome = await resumeRollout(deps({pid: 101, host: 'laptop'}, false), {service: 'hello'}, never);
    expect(outcome.status).toBe('succeeded');
    expect(moved()).toEqual([50, 100]);
    expect(events[0]).toMatchObject({event: 'started', resumedFromStep: 2});
    expect(state()).toMatchObject({id: 'r0', status: 'succeeded', owner: {pid: 101}});
  });

  test('rerunning the same rollout resumes it', async () => {
    leftRunning();
    await startRollout(deps({pid: 101, host: 'laptop'}), {service: 'hello', image: 'registry.test/hello@sha256:2', tag: 'canary', steps: [5, 25, 50, 100], settings}, never);
    expect(moved()).toEqual([50, 100]);
  });

  test('refuses while the owner still runs here, or lives on another host without --force', async () => {
    leftRunning();
    const alive = await rejection(resumeRollout(deps({pid: 101, host: 'laptop'}, true), {service: 'hello'}, never));
    expect(alive).toMatchObject({code: 'ROLLOUT_OWNED', exitCode: 3});
    expect(alive.message).toContain('pid 100 on laptop is still driving');
    const elsewhere = await rejection(resumeRollout(deps({pid: 5, host: 'ci-runner'}), {service: 'hello'}, never));
    expect(elsewhere.suggestion).toContain('--force');
    const forced = await resumeRollout(deps({pid: 5, host: 'ci-runner'}), {service: 'hello', force: true}, never);
    expect(forced.status).toBe('succeeded');
  });

  test('a resumed rollout that fails still restores the split from before the first process started', async () => {
    leftRunning();
    gateFor = () => failing;
    const error = await rejection(resumeRollout(deps({pid: 101, host: 'laptop'}), {service: 'hello'}, never));
    expect(error.details).toMatchObject({step: 3, percent: 50});
    expect(svc.traffic).toEqual([{revisionName: 'hello-00001', percent: 100}]);
  });

  test('nothing to resume is a clear error', async () => {
    expect((await rejection(resumeRollout(deps(), {service: 'hello'}, never))).code).toBe('ROLLOUT_NOT_FOUND');
  });
});

describe('refusals before anything is written', () => {
  test('the image the service already runs', async () => {
    const error = await rejection(startRollout(deps(), {service: 'hello', image: svc.image, tag: 'canary', steps: [100], settings}, never));
    expect(error).toMatchObject({code: 'ROLLOUT_SAME_IMAGE', exitCode: 2});
    expect(svc.writes).toEqual([]);
  });
  test('no --image and the latest revision already serves', async () => {
    const error = await rejection(startRollout(deps(), {service: 'hello', tag: 'canary', steps: [100], settings}, never));
    expect(error.code).toBe('ROLLOUT_NOTHING_NEW');
  });
  test('a revision that does not exist', async () => {
    const error = await rejection(startRollout(deps(), {service: 'hello', revision: 'hello-00042', tag: 'canary', steps: [100], settings}, never));
    expect(error).toMatchObject({code: 'ROLLOUT_REVISION_NOT_FOUND', exitCode: 8});
  });
});
