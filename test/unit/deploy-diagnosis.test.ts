// fn deploy's wait raced with the look at the new revision's pods (core/deploy.ts): a failure found
// in the pods ends the wait at once with exit 11; Knative's own reason wins when it has one; a wait
// that ends first stops the pod watch.
import {describe, expect, test} from '@jest/globals';
import {deploy} from '../../src/core/deploy.js';
import {ExitCode, FnError} from '../../src/core/errors.js';
import type {FunctionConfig} from '../../src/core/function.js';
import type {RevisionFailure} from '../../src/core/pod-failure.js';
import type {DecideChange, DeployedFunction, Knative, Progress, RevisionInfo, WatchOptions} from '../../src/core/ports.js';

const silentProgress: Progress = {step() {}, info() {}, warn() {}, detail() {}, status() {}};

const config = {specVersion: 1, name: 'hello', runtime: 'node', template: 'http'} as unknown as FunctionConfig;
const image = `reg/hello@sha256:${'1'.repeat(64)}`;

function pendingFunction(): DeployedFunction {
  return {name: 'hello', namespace: 'team', routing: 'service', resourceVersion: '2', observed: true, traffic: [], statusTraffic: [], conditions: [{type: 'Ready', status: 'Unknown'}], labels: {}, annotations: {}};
}

/** A Knative port whose watch never sees Ready: it ends only when its signal aborts (as the adapter does). */
function fakeDeployer(revision?: RevisionInfo, readyAfterMs?: number): Knative {
  let applied = '';
  return {
    get: async () => undefined,
    revision: async () => revision,
    update: async (_ref: unknown, decide: DecideChange) => {
      const change = await decide(undefined, 1);
      if (change?.kind === 'apply') applied = change.manifests.revisionName ?? '';
      return {fn: pendingFunction(), written: true};
    },
    watchUntil: (from: DeployedFunction, _done: unknown, options: WatchOptions) =>
      new Promise((resolve, reject) => {
        if (readyAfterMs !== undefined) setTimeout(() => resolve({fn: {...from, latestCreatedRevisionName: applied, latestReadyRevisionName: applied, statusTraffic: [{revisionName: applied, latestRevision: true, percent: 100}], conditions: [{type: 'Ready', status: 'True'}]}, timedOut: false}), readyAfterMs);
        options.signal?.addEventListener('abort', () => reject(new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting')), {once: true});
      }),
  } as unknown as Knative;
}

const request = (diagnose: (ns: string, rev: string, signal: AbortSignal) => Promise<RevisionFailure | undefined>) => ({config, image, namespace: 'team', routing: 'service' as const, wait: true, timeoutSeconds: 300, diagnose});

describe('deploy with pod diagnosis', () => {
  test('a failure in the pods ends the wait at once: REVISION_FAILED, exit 11, with the reason', async () => {
    const asked: string[] = [];
    const started = Date.now();
    const e = await deploy(fakeDeployer(), request(async (ns, rev) => (asked.push(`${ns}/${rev}`), {reason: 'ImagePullBackOff', message: 'the image cannot be pulled: manifest unknown'})), silentProgress).catch((err) => err);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e).toMatchObject({code: 'REVISION_FAILED', exitCode: ExitCode.notReady});
    expect(e.message).toMatch(/^hello failed to become ready — revision hello-[0-9a-f]+: ImagePullBackOff: the image cannot be pulled: manifest unknown$/);
    expect(asked).toEqual([expect.stringMatching(/^team\/hello-[0-9a-f]+$/)]);
  });

  test('Knative already says why (Revision Ready=False): its reason is reported', async () => {
    const revision: RevisionInfo = {name: 'hello-x', ready: 'False', reason: 'ExitCode1', message: 'Container failed with: boom'};
    const e = await deploy(fakeDeployer(revision), request(async () => ({reason: 'ExitCode1', message: 'exited', exitCode: 1})), silentProgress).catch((err) => err);
    expect(e).toMatchObject({code: 'NOT_READY', exitCode: ExitCode.notReady});
    expect(e.message).toContain('revision hello-x: ExitCode1: Container failed with: boom');
  });

  test('the revision becomes ready first: the pod watch is stopped, the deploy succeeds', async () => {
    let aborted = false;
    const result = await deploy(
      fakeDeployer(undefined, 30),
      request((_ns, _rev, signal) => new Promise((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve(undefined)), {once: true}))),
      silentProgress,
    );
    expect(result.ready).toBe(true);
    expect(aborted).toBe(true);
  });
});
