// The real Knative adapter (knative-cluster.ts, pods.ts) over the real KubeHttp, against a local server
// that answers like the API (test/unit/fake-kube-api.ts): the guarded write and its retry on 409, watches
// that resume after a reset and list again after 410 Gone, servers that hang, reset and ask to retry.
import {afterAll, afterEach, beforeAll, describe, expect, test} from '@jest/globals';
import {KnativeCluster, UPDATE_ATTEMPTS} from '../../src/adapters/knative/knative-cluster.js';
import {KubeHttp} from '../../src/adapters/knative/kube-http.js';
import {KnativePods} from '../../src/adapters/knative/pods.js';
import {FnError} from '../../src/core/errors.js';
import type {DeployedFunction} from '../../src/core/ports.js';
import {fakeKubeApi, list, savedEnv, until, type FakeApi} from '../unit/fake-kube-api.js';

const SERVICES = '/apis/serving.knative.dev/v1/namespaces/team/services';
const SVC = `${SERVICES}/hello`;
const ROUTES = '/apis/serving.knative.dev/v1/namespaces/team/routes';
const ref = {name: 'hello', namespace: 'team', routing: 'service' as const};
const TIMEOUT_MS = 500;
let api: FakeApi;
let knative: KnativeCluster;
const restoreEnv = savedEnv('KUBECONFIG', 'FN_API_TIMEOUT_MS');

async function connect(timeoutMs: number): Promise<KubeHttp> {
  process.env.FN_API_TIMEOUT_MS = String(timeoutMs);
  return KubeHttp.connect();
}

beforeAll(async () => {
  api = await fakeKubeApi();
  process.env.KUBECONFIG = api.kubeconfig;
  knative = new KnativeCluster(await connect(TIMEOUT_MS));
});
afterAll(async () => {
  await api.close();
  restoreEnv();
});
afterEach(() => api.reset());

type Service = {metadata: {name: string; namespace: string; resourceVersion: string; generation: number}; spec: object; status: {observedGeneration: number; conditions: object[]}};

function service(ready: 'True' | 'Unknown' | 'False' = 'Unknown'): Service {
  return {
    metadata: {name: 'hello', namespace: 'team', resourceVersion: '50', generation: 1},
    spec: {template: {metadata: {name: 'hello-00001'}, spec: {containers: [{image: 'reg/hello@sha256:1'}]}}},
    status: {observedGeneration: 1, conditions: [{type: 'Ready', status: ready}]},
  };
}
const setReady = (status: 'True' | 'Unknown') => (s: Service) => {
  s.status.conditions = [{type: 'Ready', status}];
};
const isReady = (f: DeployedFunction) => f.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
const watchRequests = () => api.received.filter((r) => r.watch);
const patches = () => api.received.filter((r) => r.method === 'PATCH');

async function fnError(promise: Promise<unknown>): Promise<FnError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FnError);
  return error as FnError;
}

describe('update: the guarded write', () => {
  const decideTraffic = (attempts: number[]) => (current: DeployedFunction | undefined, attempt: number) => {
    attempts.push(attempt);
    return current && {kind: 'traffic' as const, traffic: [{latestRevision: true, percent: 100}]};
  };

  test('another writer between the read and the write (409 on a stale resourceVersion): read again, decide again, write once more', async () => {
    api.objects.set(SVC, service());
    let raced: string | undefined;
    api.intercept = (r) => {
      if (r.method === 'PATCH' && !raced) raced = api.modify<Service>(SVC, (s) => (s.metadata.generation += 1)).metadata.resourceVersion;
      return undefined;
    };
    const attempts: number[] = [];
    const result = await knative.update(ref, decideTraffic(attempts));
    expect(attempts).toEqual([1, 2]);
    expect(result.written).toBe(true);
    const sent = patches().map((p) => JSON.parse(p.body).metadata.resourceVersion);
    expect(sent).toEqual(['50', raced]);
    expect(api.requests.filter((r) => r.startsWith('GET'))).toHaveLength(2);
    expect((api.objects.get(SVC) as any).spec.traffic).toEqual([{latestRevision: true, percent: 100}]);
  });

  test('an object that keeps changing: STALE_OBJECT (exit 3) after the attempts, each one a fresh read', async () => {
    api.objects.set(SVC, service());
    api.intercept = (r) => {
      if (r.method === 'PATCH') api.modify<Service>(SVC, () => {});
      return undefined;
    };
    const attempts: number[] = [];
    const e = await fnError(knative.update(ref, decideTraffic(attempts)));
    expect(e).toMatchObject({code: 'STALE_OBJECT', exitCode: 3});
    expect(attempts).toHaveLength(UPDATE_ATTEMPTS);
  });

  test('a write answered 429 is sent again and applied once', async () => {
    api.objects.set(SVC, service());
    let first = true;
    api.intercept = (r) => (r.method === 'PATCH' && first ? ((first = false), {status: 429, headers: {'retry-after': '0'}}) : undefined);
    const attempts: number[] = [];
    await knative.update(ref, decideTraffic(attempts));
    expect(attempts).toEqual([1]);
    expect(patches()).toHaveLength(2);
  });
});

describe('watchUntil', () => {
  test('ready through watch events; a stream reset in the middle resumes from the last version seen', async () => {
    api.objects.set(SVC, service());
    const from = (await knative.get(ref))!;
    const seen: string[] = [];
    const waiting = knative.watchUntil(from, isReady, {timeoutSeconds: 20, onUpdate: (f) => seen.push(f.resourceVersion)});
    await until(() => api.watchers(SERVICES).length === 1);
    expect(watchRequests()[0].query.get('resourceVersion')).toBe('50');
    api.modify<Service>(SVC, setReady('Unknown'));
    await until(() => seen.length === 1);
    api.resetWatchers(SERVICES);
    await until(() => watchRequests().length === 2 && api.watchers(SERVICES).length === 1);
    expect(watchRequests()[1].query.get('resourceVersion')).toBe(seen[0]);
    api.modify<Service>(SVC, setReady('True'));
    const result = await waiting;
    expect(result.timedOut).toBe(false);
    expect(isReady(result.fn)).toBe(true);
  });

  test('410 Gone when the watch opens: the object is read again, and watched from its version', async () => {
    api.objects.set(SVC, service());
    const from = (await knative.get(ref))!;
    const now = api.modify<Service>(SVC, setReady('Unknown')).metadata.resourceVersion;
    let gone = true;
    api.intercept = (r) => (r.watch && gone ? ((gone = false), {status: 410, body: {kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 50 (60)'}}) : undefined);
    const waiting = knative.watchUntil(from, isReady, {timeoutSeconds: 20});
    await until(() => api.watchers(SERVICES).length === 1);
    expect(api.requests.filter((r) => r === `GET ${SVC}`)).toHaveLength(2);
    expect(watchRequests()[1].query.get('resourceVersion')).toBe(now);
    api.modify<Service>(SVC, setReady('True'));
    expect((await waiting).timedOut).toBe(false);
  });

  test('an ERROR event (410) in the stream: read again; already ready then is done', async () => {
    api.objects.set(SVC, service());
    const from = (await knative.get(ref))!;
    const waiting = knative.watchUntil(from, isReady, {timeoutSeconds: 20});
    await until(() => api.watchers(SERVICES).length === 1);
    // Ready while fn's stream could not say so: the re-read finds it.
    api.objects.set(SVC, {...service('True'), metadata: {...service().metadata, resourceVersion: '70'}});
    api.emit(SERVICES, 'ERROR', {kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version'});
    const result = await waiting;
    expect(result).toMatchObject({timedOut: false, fn: {resourceVersion: '70'}});
  });

  test('a server that never answers the watch: the wait ends at its timeout, not later', async () => {
    const patient = new KnativeCluster(await connect(60_000));
    api.objects.set(SVC, service());
    const from = (await patient.get(ref))!;
    api.intercept = (r) => (r.watch ? 'hang' : undefined);
    const started = Date.now();
    const result = await patient.watchUntil(from, isReady, {timeoutSeconds: 1});
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  test('a server that answers the watch with headers and then nothing: the wait ends at its timeout', async () => {
    api.objects.set(SVC, service());
    const from = (await knative.get(ref))!;
    const started = Date.now();
    const result = await knative.watchUntil(from, isReady, {timeoutSeconds: 1});
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  test('a watch answered 503 with Retry-After is opened again', async () => {
    api.objects.set(SVC, service());
    const from = (await knative.get(ref))!;
    let busy = true;
    api.intercept = (r) => (r.watch && busy ? ((busy = false), {status: 503, headers: {'retry-after': '0'}}) : undefined);
    const waiting = knative.watchUntil(from, isReady, {timeoutSeconds: 20});
    await until(() => api.watchers(SERVICES).length === 1);
    api.modify<Service>(SVC, setReady('True'));
    expect((await waiting).timedOut).toBe(false);
    expect(watchRequests()).toHaveLength(2);
  });
});

describe('reads against a misbehaving server', () => {
  test('fn list against a server that accepts and never answers: exit 7 within the bound, naming the server', async () => {
    api.intercept = () => 'hang';
    const started = Date.now();
    const e = await fnError(knative.list('team'));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
    expect(e).toMatchObject({code: 'CLUSTER_TIMEOUT', exitCode: 7});
    expect(e.message).toContain(api.url);
    expect(e.message).toContain('500ms');
  });

  test('list: a reset connection and a 503 are each sent again; the answer is the list', async () => {
    api.objects.set(SVC, service('True'));
    api.objects.set(ROUTES, list([]));
    let n = 0;
    api.intercept = (r) => (r.path === SERVICES ? ([ 'reset', {status: 503, headers: {'retry-after': '0'}}] as const)[n++] : undefined);
    const fns = await knative.list('team');
    expect(fns.map((f) => f.name)).toEqual(['hello']);
    expect(api.requests.filter((r) => r.startsWith(`GET ${SERVICES}?`))).toHaveLength(3);
  });

  test('429 on every attempt: exit 7, overloaded, with the attempts', async () => {
    api.intercept = () => ({status: 429, headers: {'retry-after': '0'}});
    const e = await fnError(knative.get(ref));
    expect(e).toMatchObject({code: 'API_OVERLOADED', exitCode: 7});
    expect(e.message).toContain('4 attempts');
  });
});

describe('pods informer', () => {
  test('410 Gone on the pods watch: list again, then watch from the new list', async () => {
    const PODS = '/api/v1/namespaces/team/pods';
    let lists = 0;
    api.objects.set(PODS, () => list([], String(10 + ++lists)));
    let gone = true;
    api.intercept = (r) => (r.watch && gone ? ((gone = false), {status: 410, body: {kind: 'Status', code: 410, reason: 'Expired'}}) : undefined);
    const stop = new AbortController();
    const listed: number[] = [];
    const following = new KnativePods(knative.kube).follow('team', 'app=hello', (pods) => listed.push(pods.length), () => {}, stop.signal);
    await until(() => api.watchers(PODS).length === 1);
    expect(listed).toEqual([0, 0]);
    expect(watchRequests().map((w) => w.query.get('resourceVersion'))).toEqual(['11', '12']);
    stop.abort();
    await following;
  });
});
