// fn invoke --broker's parts below the command: brokerEndpoint over the real Eventing adapter and
// KubeHttp, against the local server that answers like the API (test/unit/fake-kube-api.ts), and
// requestVia's absolute-form request line (what an HTTP proxy into the cluster needs), seen by a real
// local server. The whole path through a real broker is test/e2e/invoke-broker.test.ts.
import {afterAll, afterEach, beforeAll, describe, expect, test} from '@jest/globals';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {requestVia} from '../../src/adapters/http/via-ingress.js';
import {KnativeEventing} from '../../src/adapters/knative/knative-eventing.js';
import {KubeHttp} from '../../src/adapters/knative/kube-http.js';
import {brokerEndpoint} from '../../src/core/invoke.js';
import {fakeKubeApi, savedEnv, type FakeApi} from '../unit/fake-kube-api.js';

const BROKERS = '/apis/eventing.knative.dev/v1/namespaces/team/brokers';
const URL_OF = 'http://broker-ingress.knative-eventing.svc.cluster.local/team/default';
let api: FakeApi;
let eventing: KnativeEventing;
const restoreEnv = savedEnv('KUBECONFIG');

beforeAll(async () => {
  api = await fakeKubeApi();
  process.env.KUBECONFIG = api.kubeconfig;
  eventing = new KnativeEventing(await KubeHttp.connect());
});
afterAll(async () => {
  await api.close();
  restoreEnv();
});
afterEach(() => api.reset());

function broker(status: object = {observedGeneration: 1, conditions: [{type: 'Ready', status: 'True'}], address: {url: URL_OF}}) {
  return {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: {name: 'default', namespace: 'team', generation: 1, resourceVersion: '1'}, status};
}
const ref = {name: 'default', namespace: 'team'};
const never = async () => false;

describe('brokerEndpoint', () => {
  test('the broker\'s status.address.url; --ingress / FN_INGRESS first, as for functions', async () => {
    api.objects.set(`${BROKERS}/default`, broker());
    expect(await brokerEndpoint(eventing, ref, {resolves: async () => true})).toEqual({url: URL_OF, broker: {...ref, url: URL_OF}});
    expect(await brokerEndpoint(eventing, ref, {explicit: {value: '127.0.0.1:8080', source: '--ingress'}, resolves: async () => true})).toEqual({
      url: URL_OF,
      via: {host: '127.0.0.1', port: 8080, source: '--ingress'},
      broker: {...ref, url: URL_OF},
    });
    expect(api.requests).toEqual([`GET ${BROKERS}/default`, `GET ${BROKERS}/default`]);
  });

  test('no such broker: BROKER_NOT_FOUND (exit 8) with how to create it', async () => {
    await expect(brokerEndpoint(eventing, ref, {resolves: never})).rejects.toMatchObject({
      code: 'BROKER_NOT_FOUND',
      exitCode: 8,
      message: 'broker "default" does not exist in namespace "team"',
      suggestion: 'create it with: fn broker create default -n team (or kn broker create default -n team)',
    });
  });

  test('a broker without an address yet: exit 11 with what Knative says', async () => {
    api.objects.set(`${BROKERS}/default`, broker({observedGeneration: 1, conditions: [{type: 'Ready', status: 'False', reason: 'FilterNotReady', message: 'no endpoints'}]}));
    await expect(brokerEndpoint(eventing, ref, {resolves: never})).rejects.toMatchObject({
      code: 'BROKER_NOT_READY',
      exitCode: 11,
      message: 'broker "default" in namespace "team" has no address yet (Ready False: FilterNotReady: no endpoints)',
      suggestion: 'kubectl describe broker default -n team',
    });
  });

  test('a host that does not resolve, and no ingress given: exit 14, nothing discovered for a cluster-local Service', async () => {
    api.objects.set(`${BROKERS}/default`, broker());
    await expect(brokerEndpoint(eventing, ref, {resolves: never})).rejects.toMatchObject({code: 'NO_INGRESS', exitCode: 14, details: {host: 'broker-ingress.knative-eventing.svc.cluster.local'}});
    expect(api.requests).toEqual([`GET ${BROKERS}/default`]);
  });
});

describe('requestVia', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{url?: string; host?: string}> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({url: req.url, host: req.headers.host});
      res.writeHead(202, 'Accepted').end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('absoluteForm: the request line carries the whole URL, as to an HTTP proxy; the reason phrase comes back', async () => {
    const r = await requestVia(URL_OF, {host: '127.0.0.1', port, source: 'test'}, {method: 'POST', body: '{}', absoluteForm: true});
    expect(r).toMatchObject({status: 202, statusText: 'Accepted'});
    await requestVia(URL_OF, {host: '127.0.0.1', port, source: 'test'}, {method: 'POST', body: '{}'});
    expect(seen).toEqual([
      {url: URL_OF, host: 'broker-ingress.knative-eventing.svc.cluster.local'},
      {url: '/team/default', host: 'broker-ingress.knative-eventing.svc.cluster.local'},
    ]);
  });
});
