// Pod status, events and Deployment → why a revision cannot become ready (core/pod-failure.ts), as
// tables of what the API server reports in each case.
import {describe, expect, test} from '@jest/globals';
import {ExitCode} from '../../src/core/errors.js';
import {classifyDeployment, classifyEvent, classifyPod, expectedPort, revisionFailedError, type ContainerStatus, type KubeEvent, type PodView} from '../../src/core/pod-failure.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function pod(status: Partial<ContainerStatus> | undefined, extra: Partial<PodView['status']> = {}, env: Array<{name: string; value?: string}> = [{name: 'PORT', value: '8080'}]): PodView {
  return {
    metadata: {name: 'hello-abc-deployment-5d8-x1', creationTimestamp: iso(T0)},
    spec: {containers: [{name: 'function', image: 'reg/hello@sha256:1', ports: [{containerPort: 8080}], env}, {name: 'queue-proxy'}]},
    status: {
      ...extra,
      containerStatuses: status ? [{name: 'function', ready: false, restartCount: 0, ...status}, {name: 'queue-proxy', ready: false, state: {running: {}}}] : undefined,
    },
  };
}

const probeEvent = (message: string): KubeEvent => ({
  metadata: {name: 'e1'},
  involvedObject: {kind: 'Pod', name: 'hello-abc-deployment-5d8-x1'},
  type: 'Warning',
  reason: 'Unhealthy',
  message,
  lastTimestamp: iso(T0 + 15_000),
});

describe('classifyPod', () => {
  test.each<[string, PodView, string | undefined, RegExp | undefined]>([
    ['no status yet', pod(undefined), undefined, undefined],
    ['pulling (ContainerCreating)', pod({state: {waiting: {reason: 'ContainerCreating'}}}), undefined, undefined],
    ['ImagePullBackOff with the registry answer', pod({state: {waiting: {reason: 'ImagePullBackOff', message: 'Back-off pulling image "reg/hello@sha256:1": manifest unknown'}}}), 'ImagePullBackOff', /cannot be pulled \(reg\/hello@sha256:1\): Back-off pulling image .*manifest unknown/],
    ['ErrImagePull of a missing image fails at once', pod({state: {waiting: {reason: 'ErrImagePull', message: 'Error response from daemon: manifest for reg/hello not found: manifest unknown'}}}), 'ErrImagePull', /manifest unknown/],
    ['ErrImagePull on a timeout waits for the retry', pod({state: {waiting: {reason: 'ErrImagePull', message: 'net/http: TLS handshake timeout'}}}), undefined, undefined],
    ['a secret that is missing', pod({state: {waiting: {reason: 'CreateContainerConfigError', message: 'secret "db" not found'}}}), 'CreateContainerConfigError', /secret "db" not found/],
    ['exited with its last log lines', pod({state: {terminated: {exitCode: 1, reason: 'Error', message: 'Error: boom\n    at handle (index.js:3)\n'}}}), 'ExitCode1', /exited with code 1$/],
    ['CrashLoopBackOff after a restart', pod({restartCount: 2, state: {waiting: {reason: 'CrashLoopBackOff', message: 'back-off 20s'}}, lastState: {terminated: {exitCode: 3, reason: 'Error'}}}), 'CrashLoopBackOff', /exited with code 3 and keeps crashing/],
    ['OOMKilled', pod({state: {terminated: {exitCode: 137, reason: 'OOMKilled'}}}), 'ExitCode137', /code 137 \(OOMKilled\)/],
    ['running and ready', pod({ready: true, state: {running: {startedAt: iso(T0)}}}), undefined, undefined],
    ['unschedulable', pod(undefined, {conditions: [{type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: insufficient memory'}]}), 'Unschedulable', /insufficient memory/],
  ])('%s', (_case, p, reason, message) => {
    const verdict = classifyPod(p, [], T0 + 1000);
    expect(verdict.failure?.reason).toBe(reason);
    if (message) expect(verdict.failure?.message).toMatch(message);
  });

  test('the log lines of an exit are kept (last 10, blank lines dropped)', () => {
    const message = Array.from({length: 14}, (_, i) => `line ${i + 1}`).join('\n') + '\n\n';
    const f = classifyPod(pod({state: {terminated: {exitCode: 1, message}}}), [], T0).failure!;
    expect(f.exitCode).toBe(1);
    expect(f.logTail).toEqual(Array.from({length: 10}, (_, i) => `line ${i + 5}`));
  });

  describe('a readiness probe that keeps failing while the container runs', () => {
    const running = pod({state: {running: {startedAt: iso(T0)}}});
    const refused = probeEvent('Readiness probe failed: Get "http://127.0.0.1:8080/health/readiness": dial tcp 127.0.0.1:8080: connect: connection refused');

    test('within the grace period: not yet, look again when it ends', () => {
      expect(classifyPod(running, [refused], T0 + 5_000, 20_000)).toEqual({recheckAt: T0 + 20_000});
    });

    test('after it, with probe failures: failed, with the probe message and the port Knative expects', () => {
      const f = classifyPod(running, [refused], T0 + 21_000, 20_000).failure!;
      expect(f.reason).toBe('ReadinessProbeFailed');
      expect(f.port).toBe(8080);
      expect(f.message).toContain('kept failing for 21s');
      expect(f.message).toContain('connection refused');
      expect(f.message).toContain('port 8080 (the PORT environment variable)');
    });

    test('after it, but no probe failure recorded: look again shortly, do not guess', () => {
      expect(classifyPod(running, [], T0 + 21_000, 20_000)).toEqual({recheckAt: T0 + 26_000});
    });

    test('the expected port is PORT, else the containerPort', () => {
      expect(expectedPort(pod(undefined, {}, [{name: 'PORT', value: '9000'}]))).toBe(9000);
      expect(expectedPort(pod(undefined, {}, []))).toBe(8080);
    });
  });

  test('a pod being deleted says nothing', () => {
    const p = pod({state: {terminated: {exitCode: 143}}});
    p.metadata.deletionTimestamp = iso(T0);
    expect(classifyPod(p, [], T0)).toEqual({});
  });
});

describe('classifyEvent', () => {
  const ev = (kind: string, name: string, reason: string, message: string, type = 'Warning'): KubeEvent => ({metadata: {name: 'e'}, involvedObject: {kind, name}, reason, message, type});
  test.each<[string, KubeEvent, string | undefined]>([
    ['requests above limits: the ReplicaSet cannot create pods', ev('ReplicaSet', 'hello-abc-deployment-5d8', 'FailedCreate', 'Error creating: Pod "x" is invalid: spec.containers[0].resources.requests: Invalid value: "512Mi": must be less than or equal to memory limit of 256Mi'), 'FailedCreate'],
    ['the Deployment could not be created (on the Revision)', ev('Revision', 'hello-abc', 'InternalError', 'failed to create deployment "hello-abc-deployment": Deployment.apps "hello-abc-deployment" is invalid: must be less than or equal to memory limit'), 'InternalError'],
    ['a conflict the reconciler retries', ev('Revision', 'hello-abc', 'InternalError', 'Operation cannot be fulfilled on revisions: the object has been modified; please apply your changes to the latest version'), undefined],
    ['another revision', ev('Revision', 'hello-other', 'InternalError', 'broken'), undefined],
    // Seen in CI (a flaky rollout and deploy): the reconciler reads its own new Deployment before its cache has it, and retries.
    ['its Deployment not in the cache yet', ev('Revision', 'hello-abc', 'InternalError', 'deployment.apps "hello-abc-deployment" not found'), undefined],
    ['a Normal event', ev('ReplicaSet', 'hello-abc-deployment-5d8', 'SuccessfulCreate', 'Created pod', 'Normal'), undefined],
    ['pod events are read with the pod status, not alone', ev('Pod', 'hello-abc-deployment-5d8-x1', 'BackOff', 'Back-off restarting failed container'), undefined],
  ])('%s', (_case, event, reason) => {
    expect(classifyEvent(event, 'hello-abc')?.reason).toBe(reason);
  });
});

describe('classifyDeployment', () => {
  test('ReplicaFailure True is a failure with its message', () => {
    const f = classifyDeployment({metadata: {name: 'hello-abc-deployment'}, status: {conditions: [{type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "x" is forbidden: exceeded quota'}]}});
    expect(f).toEqual({reason: 'FailedCreate', message: 'pods "x" is forbidden: exceeded quota'});
    expect(classifyDeployment({metadata: {name: 'd'}, status: {conditions: [{type: 'Available', status: 'False'}]}})).toBeUndefined();
  });
});

describe('revisionFailedError', () => {
  test.each<[string, Parameters<typeof revisionFailedError>[3], RegExp]>([
    ['image', {reason: 'ImagePullBackOff', message: 'the image cannot be pulled: manifest unknown', image: 'reg/hello@sha256:1'}, /check that the image exists in the registry \(reg\/hello@sha256:1\)/],
    ['exit', {reason: 'ExitCode1', message: 'exited', exitCode: 1, logTail: ['Error: boom']}, /fn logs hello -n team --revision hello-abc/],
    ['probe', {reason: 'ReadinessProbeFailed', message: 'probe', port: 8080}, /listen on the port in \$PORT \(8080\)/],
    ['limits', {reason: 'FailedCreate', message: 'must be less than or equal to memory limit'}, /requests must not be above limits/],
  ])('%s: exit 11 with a next step', (_case, failure, suggestion) => {
    const e = revisionFailedError('hello', 'team', 'hello-abc', failure);
    expect(e.exitCode).toBe(ExitCode.notReady);
    expect(e.message).toContain(`hello failed to become ready — revision hello-abc: ${failure.reason}: ${failure.message}`);
    expect(e.suggestion).toMatch(suggestion);
  });

  test('the last log lines are in the message', () => {
    const e = revisionFailedError('hello', 'team', 'hello-abc', {reason: 'ExitCode1', message: 'exited with code 1', exitCode: 1, logTail: ['Error: boom', '  at x']});
    expect(e.message).toContain('last log lines:\n  | Error: boom\n  |   at x');
    expect(e.details).toMatchObject({revision: 'hello-abc', exitCode: 1, logTail: ['Error: boom', '  at x']});
  });
});
