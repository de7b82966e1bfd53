// The Knative adapter's watch of one Revision (watchRevisionUntil: fn rollout waits with it for a canary
// that is not the function's latest revision) against a local server that answers like the API
// (fake-kube-api.ts): one read, then one watch from the read's resourceVersion — never a poll.
import {afterAll, afterEach, beforeAll, expect, test} from '@jest/globals';
import {KnativeCluster} from '../../src/adapters/knative/knative-cluster.js';
import {KubeHttp} from '../../src/adapters/knative/kube-http.js';
import type {RevisionInfo} from '../../src/core/ports.js';
import {fakeKubeApi, until, type FakeApi} from './fake-kube-api.js';

let api: FakeApi;
let cluster: KnativeCluster;
const saved = process.env.KUBECONFIG;

beforeAll(async () => {
  api = await fakeKubeApi();
  process.env.KUBECONFIG = api.kubeconfig;
  cluster = new KnativeCluster(await KubeHttp.connect());
});
afterAll(async () => {
  await api.close();
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});
afterEach(() => {
  api.objects.clear();
  api.requests.length = 0;
});

const REVISIONS = '/apis/serving.knative.dev/v1/namespaces/team/revisions';
const revision = (ready: 'True' | 'False' | 'Unknown', resourceVersion: string, reason?: string) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: {name: 'hello-00001', namespace: 'team', resourceVersion},
  spec: {containers: [{image: 'registry.test/hello@sha256:1'}]},
  status: {conditions: [{type: 'Ready', status: ready, ...(reason ? {reason} : {})}]},
});
const settled = (r: RevisionInfo | undefined) => r?.ready === 'True' || r?.ready === 'False';

test('already settled at the read: one GET, no watch', async () => {
  api.objects.set(`${REVISIONS}/hello-00001`, revision('True', '5'));
  const result = await cluster.watchRevisionUntil('team', 'hello-00001', settled, {timeoutSeconds: 5});
  expect(result).toMatchObject({timedOut: false, revision: {name: 'hello-00001', ready: 'True'}});
  expect(api.requests).toEqual([`GET ${REVISIONS}/hello-00001`]);
});

test('not settled: one watch from the read\'s resourceVersion, ended by the event that settles it', async () => {
  api.objects.set(`${REVISIONS}/hello-00001`, revision('Unknown', '5'));
  const waiting = cluster.watchRevisionUntil('team', 'hello-00001', settled, {timeoutSeconds: 30});
  await until(() => api.watchers(REVISIONS).length === 1);
  api.emit(REVISIONS, 'MODIFIED', revision('Unknown', '6'));
  api.emit(REVISIONS, 'MODIFIED', revision('False', '7', 'ExitCode1'));
  expect(await waiting).toMatchObject({timedOut: false, revision: {ready: 'False', reason: 'ExitCode1'}});
  expect(api.requests).toHaveLength(2);
  const watch = new URL(api.requests[1].split(' ')[1], 'http://x');
  expect(watch.pathname).toBe(REVISIONS);
  expect(Object.fromEntries(watch.searchParams)).toMatchObject({watch: '1', fieldSelector: 'metadata.name=hello-00001', resourceVersion: '5'});
});

test('the bound passes: timedOut, with the revision as last seen', async () => {
  api.objects.set(`${REVISIONS}/hello-00001`, revision('Unknown', '5'));
  const started = Date.now();
  const result = await cluster.watchRevisionUntil('team', 'hello-00001', settled, {timeoutSeconds: 0.2});
  expect(result).toMatchObject({timedOut: true, revision: {ready: 'Unknown'}});
  expect(Date.now() - started).toBeLessThan(3000);
});

test('the signal aborts: INTERRUPTED', async () => {
  api.objects.set(`${REVISIONS}/hello-00001`, revision('Unknown', '5'));
  const interrupt = new AbortController();
  const waiting = cluster.watchRevisionUntil('team', 'hello-00001', settled, {timeoutSeconds: 30, signal: interrupt.signal});
  await until(() => api.watchers(REVISIONS).length === 1);
  interrupt.abort();
  await expect(waiting).rejects.toMatchObject({code: 'INTERRUPTED', exitCode: 130});
});

test('not created yet: the watch (from no resourceVersion) sees it appear', async () => {
  const waiting = cluster.watchRevisionUntil('team', 'hello-00001', settled, {timeoutSeconds: 30});
  await until(() => api.watchers(REVISIONS).length === 1);
  expect(new URL(api.requests[1].split(' ')[1], 'http://x').searchParams.has('resourceVersion')).toBe(false);
  api.emit(REVISIONS, 'ADDED', revision('True', '8'));
  expect(await waiting).toMatchObject({timedOut: false, revision: {ready: 'True'}});
});
