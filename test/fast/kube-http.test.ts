// The Kubernetes API client (kube-http.ts) against a local server that answers like the API and
// misbehaves like real ones do (test/unit/fake-kube-api.ts): a server that accepts and never answers,
// answers that stop half-way, connections reset, 429/503 with Retry-After, 410 Gone on a watch.
import {afterAll, afterEach, beforeAll, describe, expect, test} from '@jest/globals';
import {apiErrorToFnError} from '../../src/adapters/knative/api-errors.js';
import {KubeApiError, KubeHttp} from '../../src/adapters/knative/kube-http.js';
import {FnError} from '../../src/core/errors.js';
import {fakeKubeApi, list, savedEnv, until, type Action, type FakeApi, type Received} from '../unit/fake-kube-api.js';

const PATH = '/apis/serving.knative.dev/v1/namespaces/team/services';
const SERVICE = `${PATH}/hello`;
const TIMEOUT_MS = 400;
let api: FakeApi;
let kube: KubeHttp;
const restoreEnv = savedEnv('KUBECONFIG', 'FN_API_TIMEOUT_MS');

beforeAll(async () => {
  api = await fakeKubeApi();
  process.env.KUBECONFIG = api.kubeconfig;
  process.env.FN_API_TIMEOUT_MS = String(TIMEOUT_MS);
  kube = await KubeHttp.connect();
});
afterAll(async () => {
  await api.close();
  restoreEnv();
});
afterEach(() => api.reset());

async function rejection(promise: Promise<unknown>): Promise<any> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeDefined();
  return error;
}

/** One misbehaviour for the first `times` requests that match, then normal answers. */
function firstRequests(times: number, action: Action, match = (r: Received) => r.method === 'GET') {
  let left = times;
  api.intercept = (r) => (match(r) && left-- > 0 ? action : undefined);
}

describe('a server that does not answer', () => {
  test('accepts and never answers: exit 7 within the bound, naming the server and the time waited', async () => {
    api.intercept = () => 'hang';
    const started = Date.now();
    const e: FnError = await rejection(kube.request('GET', PATH));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(took).toBeLessThan(TIMEOUT_MS + 1500);
    expect(e).toBeInstanceOf(FnError);
    expect(e).toMatchObject({code: 'CLUSTER_TIMEOUT', exitCode: 7});
    expect(e.message).toContain(api.url);
    expect(e.message).toContain('400ms');
    expect(e.message).toContain(`GET ${PATH}`);
    expect(e.suggestion).toMatch(/FN_API_TIMEOUT_MS/);
    // A request that timed out is not sent again: the bound is the bound.
    expect(api.requests).toHaveLength(1);
  });

  test('sends headers and half a body, then nothing: the bound covers the body too', async () => {
    api.intercept = () => 'hang-in-body';
    const started = Date.now();
    const e = await rejection(kube.request('GET', PATH));
    expect(e).toMatchObject({code: 'CLUSTER_TIMEOUT', exitCode: 7});
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
  });

  test('a watch that is never answered ends when its signal aborts (a wait cannot outlive --timeout)', async () => {
    api.intercept = () => 'hang';
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const started = Date.now();
    expect(await kube.watch(PATH, {timeoutSeconds: 30}, () => false, stop.signal)).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
  });

  test('a watch that is never answered, with no signal: exit 7 within the bound', async () => {
    api.intercept = () => 'hang';
    const e = await rejection(kube.watch(PATH, {timeoutSeconds: 30}, () => false));
    expect(e).toMatchObject({code: 'CLUSTER_TIMEOUT', exitCode: 7});
  });

  test('a watch stream that goes quiet past its timeoutSeconds (the server should have closed it) is closed by fn', async () => {
    const started = Date.now();
    expect(await kube.watch(PATH, {timeoutSeconds: 1}, () => false)).toBe('ended');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(1000 + TIMEOUT_MS + 1000);
  });

  test('a slow answer within the bound is just an answer', async () => {
    api.objects.set(PATH, list([]));
    api.intercept = () => ({delayMs: TIMEOUT_MS / 2});
    await expect(kube.request('GET', PATH)).resolves.toMatchObject({items: []});
    expect(api.requests).toHaveLength(1);
  });
});

describe('connection resets', () => {
  test('a GET whose connection is reset before the answer is sent once more', async () => {
    api.objects.set(PATH, list([]));
    firstRequests(1, 'reset');
    await expect(kube.request('GET', PATH)).resolves.toMatchObject({items: []});
    expect(api.requests).toHaveLength(2);
  });

  test('a GET reset in the middle of its body is sent once more', async () => {
    api.objects.set(PATH, list([]));
    firstRequests(1, 'reset-in-body');
    await expect(kube.request('GET', PATH)).resolves.toMatchObject({items: []});
    expect(api.requests).toHaveLength(2);
  });

  test('a GET reset every time: exit 7 naming the server, after a few attempts', async () => {
    api.intercept = () => 'reset';
    const e = await rejection(kube.request('GET', PATH));
    expect(e).toMatchObject({code: 'CLUSTER_UNREACHABLE', exitCode: 7});
    expect(e.message).toContain(api.url);
    expect(api.requests.length).toBeGreaterThan(1);
    expect(api.requests.length).toBeLessThanOrEqual(4);
  });

  test('a write reset before the answer is not sent again (it may have been applied)', async () => {
    api.intercept = (r) => (r.method === 'PATCH' ? 'reset' : undefined);
    const e = await rejection(kube.request('PATCH', SERVICE, {body: {metadata: {name: 'hello'}}, contentType: 'application/apply-patch+yaml'}));
    expect(e).toMatchObject({code: 'CLUSTER_UNREACHABLE', exitCode: 7});
    expect(api.requests).toHaveLength(1);
  });

  test('a watch stream reset in the middle: "ended", the caller resumes', async () => {
    const seen: string[] = [];
    const watching = kube.watch<{metadata: {name: string}}>(PATH, {timeoutSeconds: 30}, (e) => (seen.push(e.object.metadata.name), false));
    await until(() => api.watchers(PATH).length === 1);
    api.emit(PATH, 'ADDED', {metadata: {name: 'a', resourceVersion: '5'}});
    await until(() => seen.length === 1);
    api.resetWatchers(PATH);
    expect(await watching).toBe('ended');
  });
});

describe('429 and 5xx with Retry-After', () => {
  test('a GET answered 429 with Retry-After is sent again after the delay asked', async () => {
    api.objects.set(PATH, list([]));
    firstRequests(1, {status: 429, headers: {'retry-after': '1'}});
    const started = Date.now();
    await expect(kube.request('GET', PATH)).resolves.toMatchObject({items: []});
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(api.requests).toHaveLength(2);
  });

  test('503 and 504 on a GET are sent again', async () => {
    api.objects.set(PATH, list([]));
    let n = 0;
    api.intercept = () => [{status: 503, headers: {'retry-after': '0'}}, {status: 504}][n++];
    await expect(kube.request('GET', PATH)).resolves.toMatchObject({items: []});
    expect(api.requests).toHaveLength(3);
  });

  test('a watch answered 503 is opened again', async () => {
    firstRequests(1, {status: 503, headers: {'retry-after': '0'}});
    const stop = new AbortController();
    const watching = kube.watch(PATH, {timeoutSeconds: 30}, () => false, stop.signal);
    await until(() => api.watchers(PATH).length === 1);
    stop.abort();
    expect(await watching).toBe('aborted');
    expect(api.requests).toHaveLength(2);
  });

  test('429 every time: a few attempts, then exit 7 saying how often and that the server is overloaded', async () => {
    api.intercept = () => ({status: 429, headers: {'retry-after': '0'}, body: {kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'too many requests, please try again later'}});
    const e = await rejection(kube.request('GET', PATH));
    expect(e).toBeInstanceOf(KubeApiError);
    expect(api.requests).toHaveLength(4);
    const mapped = apiErrorToFnError(e, {verb: 'list', resource: 'services.serving.knative.dev', namespace: 'team', context: 'fake'});
    expect(mapped).toMatchObject({code: 'API_OVERLOADED', exitCode: 7});
    expect(mapped.message).toMatch(/429.*4 attempts/);
    expect(mapped.suggestion).toBeTruthy();
  });

  test('a Retry-After longer than fn waits in all: no wait, the answer at once, naming the delay asked', async () => {
    api.intercept = () => ({status: 503, headers: {'retry-after': '3600'}});
    const started = Date.now();
    const e = await rejection(kube.request('GET', PATH));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(api.requests).toHaveLength(1);
    const mapped = apiErrorToFnError(e, {verb: 'list', resource: 'services.serving.knative.dev', namespace: 'team', context: 'fake'});
    expect(mapped).toMatchObject({exitCode: 7});
    expect(mapped.message).toContain('3600s');
  });

  test('a write answered 429 (not processed) is sent again; a write answered 503 is not', async () => {
    firstRequests(1, {status: 429, headers: {'retry-after': '0'}}, (r) => r.method === 'PATCH');
    await kube.request('PATCH', SERVICE, {body: {metadata: {name: 'hello'}}, contentType: 'application/apply-patch+yaml'});
    expect(api.requests.filter((r) => r.startsWith('PATCH'))).toHaveLength(2);
    api.requests.length = 0;
    api.intercept = (r) => (r.method === 'PATCH' ? {status: 503, headers: {'retry-after': '0'}} : undefined);
    const e = await rejection(kube.request('PATCH', SERVICE, {body: {metadata: {name: 'hello'}}, contentType: 'application/apply-patch+yaml'}));
    expect(e).toMatchObject({statusCode: 503});
    expect(api.requests).toHaveLength(1);
  });

  test('retries stop when the caller\'s signal aborts', async () => {
    api.intercept = () => ({status: 503, headers: {'retry-after': '5'}});
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const started = Date.now();
    expect(await kube.watch(PATH, {timeoutSeconds: 30}, () => false, stop.signal)).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('watch: 410 Gone', () => {
  test('a watch answered 410 (the version is too old) is "expired": the caller lists again', async () => {
    api.intercept = (r) => (r.watch ? {status: 410, body: {kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 5 (100)'}} : undefined);
    expect(await kube.watch(PATH, {resourceVersion: '5', timeoutSeconds: 30}, () => false)).toBe('expired');
  });

  test('an ERROR event with 410 in the stream is "expired" too', async () => {
    const watching = kube.watch(PATH, {resourceVersion: '5', timeoutSeconds: 30}, () => false);
    await until(() => api.watchers(PATH).length === 1);
    api.emit(PATH, 'ERROR', {kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version'});
    expect(await watching).toBe('expired');
  });
});

describe('FN_API_TIMEOUT_MS', () => {
  test('a value that is not a positive whole number of milliseconds is exit 2 naming it', async () => {
    process.env.FN_API_TIMEOUT_MS = '30s';
    try {
      const e = await rejection(KubeHttp.connect());
      expect(e).toMatchObject({code: 'INVALID_SETTING', exitCode: 2});
      expect(e.message).toContain('FN_API_TIMEOUT_MS="30s"');
    } finally {
      process.env.FN_API_TIMEOUT_MS = String(TIMEOUT_MS);
    }
  });
});
