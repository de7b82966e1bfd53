// The pod and ingress adapters against a local HTTP server that answers like the Kubernetes API
// (fake-kube-api.ts): ingress discovery, the revision watch that finds why a revision cannot start,
// and requests sent to an ingress with the function's Host header.
import {afterAll, afterEach, beforeAll, describe, expect, test} from '@jest/globals';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {HttpProbe} from '../../src/adapters/health/http-probe.js';
import {hostResolves, requestVia} from '../../src/adapters/http/via-ingress.js';
import {discoverIngress, serviceOfDomain} from '../../src/adapters/knative/ingress-discovery.js';
import {KubeHttp} from '../../src/adapters/knative/kube-http.js';
import {KnativePods} from '../../src/adapters/knative/pods.js';
import {reachFunction} from '../../src/core/ingress-address.js';
import {fakeKubeApi, list, until, type FakeApi} from './fake-kube-api.js';

let api: FakeApi;
let kube: KubeHttp;
const saved = process.env.KUBECONFIG;

beforeAll(async () => {
  api = await fakeKubeApi();
  process.env.KUBECONFIG = api.kubeconfig;
  kube = await KubeHttp.connect();
});
afterAll(async () => {
  await api.close();
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});
afterEach(() => {
  api.objects.clear();
  api.texts.clear();
  api.requests.length = 0;
});

const KINGRESS = '/apis/networking.internal.knative.dev/v1alpha1/namespaces/team/ingresses/hello';
const lbService = (ip: string, port = 80) => ({spec: {ports: [{name: 'http2', port}]}, status: {loadBalancer: {ingress: [{ip}]}}});

describe('discoverIngress', () => {
  test('KIngress status → domainInternal → that Service\'s load balancer IP and port', async () => {
    api.objects.set(KINGRESS, {status: {publicLoadBalancer: {ingress: [{domainInternal: 'fn-testenv-ingress.knative-serving.svc.cluster.local'}]}}});
    api.objects.set('/api/v1/namespaces/knative-serving/services/fn-testenv-ingress', lbService('127.77.0.1', 8081));
    expect(await discoverIngress(kube, {namespace: 'team', route: 'hello', url: 'http://hello.team.example.test'})).toEqual({
      host: '127.77.0.1',
      port: 8081,
      source: 'KIngress team/hello → Service knative-serving/fn-testenv-ingress',
    });
  });

  test('cluster-local hosts use the private load balancer', async () => {
    api.objects.set(KINGRESS, {status: {publicLoadBalancer: {ingress: [{ip: '10.0.0.1'}]}, privateLoadBalancer: {ingress: [{ip: '10.0.0.2'}]}}});
    expect((await discoverIngress(kube, {namespace: 'team', route: 'hello', url: 'http://hello.team.svc.cluster.local'}))?.host).toBe('10.0.0.2');
  });

  test('no KIngress readable (RBAC): the well-known ingress Services, in order', async () => {
    api.objects.set(KINGRESS, {kind: 'Status', code: 403, message: 'forbidden'});
    api.objects.set('/api/v1/namespaces/istio-system/services/istio-ingressgateway', {spec: {ports: [{name: 'status-port', port: 15021}, {name: 'http2', port: 80}, {name: 'https', port: 443}]}, status: {loadBalancer: {ingress: [{hostname: 'lb.example.com'}]}}});
    expect(await discoverIngress(kube, {namespace: 'team', route: 'hello', url: 'https://hello.team.example.com'})).toEqual({host: 'lb.example.com', port: 443, source: 'Service istio-system/istio-ingressgateway'});
    expect(api.requests.filter((r) => r.includes('/services/'))).toEqual(['GET /api/v1/namespaces/kourier-system/services/kourier', 'GET /api/v1/namespaces/istio-system/services/istio-ingressgateway']);
  });

  test('a load balancer still pending (no IP) is no address; nothing found → undefined', async () => {
    api.objects.set(KINGRESS, {status: {publicLoadBalancer: {ingress: [{domainInternal: 'kourier.kourier-system.svc.cluster.local'}]}}});
    api.objects.set('/api/v1/namespaces/kourier-system/services/kourier', {spec: {ports: [{name: 'http2', port: 80}]}, status: {loadBalancer: {}}});
    expect(await discoverIngress(kube, {namespace: 'team', route: 'hello', url: 'http://hello.team.example.test'})).toBeUndefined();
  });

  test('serviceOfDomain', () => {
    expect(serviceOfDomain('kourier.kourier-system.svc.cluster.local')).toEqual({name: 'kourier', namespace: 'kourier-system'});
    expect(serviceOfDomain('example.com')).toBeUndefined();
  });
});

describe('through the ingress with the function\'s Host header', () => {
  let ingress: http.Server;
  let port = 0;
  const hosts: string[] = [];
  beforeAll(async () => {
    ingress = http.createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      if (req.headers.host?.startsWith('canary-')) res.writeHead(503).end('down');
      else res.writeHead(200, {'content-type': 'text/plain'}).end(`hello from ${req.headers.host}${req.url}`);
    });
    await new Promise<void>((resolve) => ingress.listen(0, '127.0.0.1', resolve));
    port = (ingress.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => ingress.close(() => resolve())));

  test('requestVia connects to the ingress and keeps Host and path', async () => {
    const r = await requestVia('http://hello.team.example.test/greet?x=1', {host: '127.0.0.1', port, source: 'test'}, {method: 'POST', body: '{}', headers: {'content-type': 'application/json'}});
    expect(r).toMatchObject({status: 200, body: 'hello from hello.team.example.test/greet?x=1'});
  });

  test('an ingress that is not there fails like fetch does (cause.code)', async () => {
    const e: any = await requestVia('http://hello.team.example.test/', {host: '127.0.0.1', port: 1, source: 'test'}).catch((err) => err);
    expect(e.cause.code).toBe('ECONNREFUSED');
  });

  test('the health gate measures the canary through the ingress', async () => {
    hosts.length = 0;
    const reach = (url: string) => reachFunction(url, {explicit: {value: `127.0.0.1:${port}`, source: '--ingress'}, resolves: async () => false, discover: async () => undefined});
    const probe = new HttpProbe({requests: 4, maxErrorRate: 0, maxP95Ms: 2000, reach});
    const healthy = await probe.check({url: 'http://v2-hello.team.example.test/', revisionName: 'r', nextPercent: 5, step: 1}, new AbortController().signal);
    expect(healthy).toMatchObject({passed: true, requests: 4, errors: 0});
    expect(new Set(hosts)).toEqual(new Set(['v2-hello.team.example.test']));
    const failing = await probe.check({url: 'http://canary-hello.team.example.test/', revisionName: 'r', nextPercent: 5, step: 1}, new AbortController().signal);
    expect(failing).toMatchObject({passed: false, errors: 4, sampleErrors: ['HTTP 503']});
  });

  test('no way to reach the canary fails the gate naming the host and the settings', async () => {
    const reach = (url: string) => reachFunction(url, {resolves: async () => false, discover: async () => undefined});
    const r = await new HttpProbe({requests: 3, maxErrorRate: 0, maxP95Ms: 2000, reach}).check({url: 'http://canary-hello.team.example.test/', revisionName: 'r', nextPercent: 5, step: 1}, new AbortController().signal);
    expect(r.passed).toBe(false);
    expect(r.failures[0]).toMatch(/canary-hello\.team\.example\.test does not resolve.*--ingress HOST\[:PORT\] or FN_INGRESS/);
  });

  test('hostResolves: localhost yes, a reserved .invalid name no', async () => {
    expect(await hostResolves('localhost')).toBe(true);
    expect(await hostResolves('hello.team.example.invalid')).toBe(false);
  });
});

describe('KnativePods.watchRevision', () => {
  const PODS = '/api/v1/namespaces/team/pods';
  const EVENTS = '/api/v1/namespaces/team/events';
  const DEPLOYMENTS = '/apis/apps/v1/namespaces/team/deployments';
  const pod = (name: string, status: object, startedAt = new Date().toISOString()) => ({
    metadata: {name, resourceVersion: '11', creationTimestamp: startedAt, labels: {'serving.knative.dev/revision': 'hello-abc'}},
    spec: {containers: [{name: 'function', image: 'reg/hello@sha256:1', env: [{name: 'PORT', value: '8080'}]}, {name: 'queue-proxy'}]},
    status: {containerStatuses: [{name: 'function', ready: false, restartCount: 0, ...status}]},
  });
  const empty = () => {
    api.objects.set(PODS, list([]));
    api.objects.set(EVENTS, list([]));
    api.objects.set(DEPLOYMENTS, list([]));
  };
  const watched = () => api.watchers(PODS).length === 1 && api.watchers(EVENTS).length === 1 && api.watchers(DEPLOYMENTS).length === 1;

  test('a pod that appears with ImagePullBackOff: the failure with the registry\'s answer, and every stream closed', async () => {
    empty();
    const stop = new AbortController();
    const result = new KnativePods(kube).watchRevision('team', 'hello-abc', {signal: stop.signal});
    await until(watched);
    expect(api.requests.find((r) => r.startsWith(`GET ${PODS}?`))).toContain('labelSelector=serving.knative.dev%2Frevision%3Dhello-abc');
    api.emit(PODS, 'ADDED', pod('hello-abc-deployment-1-a', {state: {waiting: {reason: 'ContainerCreating'}}}));
    api.emit(PODS, 'MODIFIED', pod('hello-abc-deployment-1-a', {state: {waiting: {reason: 'ImagePullBackOff', message: 'manifest unknown: manifest unknown'}}}));
    expect(await result).toMatchObject({reason: 'ImagePullBackOff', message: expect.stringContaining('manifest unknown'), pod: 'hello-abc-deployment-1-a'});
    await until(() => api.watchers(PODS).length + api.watchers(EVENTS).length + api.watchers(DEPLOYMENTS).length === 0);
  });

  test('an exit without log lines in its status: the last lines are read from the log endpoint', async () => {
    empty();
    api.objects.set(PODS, list([pod('p1', {state: {terminated: {exitCode: 1, reason: 'Error'}}})]));
    let query: URLSearchParams | undefined;
    api.texts.set(`${PODS}/p1/log`, (q, res) => {
      query = q;
      res.writeHead(200, {'content-type': 'text/plain'}).end('2025-01-01T00:00:00.000000000Z starting\n2025-01-01T00:00:00.100000000Z Error: boom at import\n');
    });
    const f = await new KnativePods(kube).watchRevision('team', 'hello-abc', {signal: new AbortController().signal});
    expect(f).toMatchObject({reason: 'ExitCode1', exitCode: 1, logTail: ['starting', 'Error: boom at import']});
    expect(Object.fromEntries(query!)).toMatchObject({container: 'function', tailLines: '10', timestamps: 'true'});
  });

  test('a ReplicaSet that cannot create pods (FailedCreate) fails with the event\'s message', async () => {
    empty();
    const result = new KnativePods(kube).watchRevision('team', 'hello-abc', {signal: new AbortController().signal});
    await until(watched);
    api.emit(EVENTS, 'ADDED', {metadata: {name: 'e', resourceVersion: '12'}, type: 'Warning', reason: 'FailedCreate', involvedObject: {kind: 'ReplicaSet', name: 'hello-abc-deployment-5d8'}, message: 'Error creating: pods "x" is invalid: must be less than or equal to memory limit of 64Mi'});
    expect(await result).toEqual({reason: 'FailedCreate', message: expect.stringContaining('must be less than or equal to memory limit')});
  });

  test('a readiness probe failing past the grace period, with no pod change, is found by the one timer', async () => {
    // (events listed before the pods must count too)
    empty();
    api.objects.set(PODS, list([pod('hello-abc-deployment-5d8-x1', {state: {running: {startedAt: new Date().toISOString()}}})]));
    api.objects.set(EVENTS, list([{metadata: {name: 'e'}, type: 'Warning', reason: 'Unhealthy', involvedObject: {kind: 'Pod', name: 'hello-abc-deployment-5d8-x1'}, message: 'Readiness probe failed: dial tcp 127.0.0.1:8080: connect: connection refused'}]));
    const started = Date.now();
    const f = await new KnativePods(kube).watchRevision('team', 'hello-abc', {signal: new AbortController().signal, graceMs: 300});
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(f).toMatchObject({reason: 'ReadinessProbeFailed', port: 8080, message: expect.stringContaining('connection refused')});
  });

  test('aborted (the revision became ready): undefined, streams closed', async () => {
    empty();
    const stop = new AbortController();
    const result = new KnativePods(kube).watchRevision('team', 'hello-abc', {signal: stop.signal});
    await until(watched);
    stop.abort();
    expect(await result).toBeUndefined();
    await until(() => api.watchers(PODS).length + api.watchers(EVENTS).length + api.watchers(DEPLOYMENTS).length === 0);
  });

  test('pods fn may not read (403): undefined once aborted, never an error', async () => {
    api.objects.set(PODS, {kind: 'Status', code: 403, message: 'pods is forbidden'});
    api.objects.set(EVENTS, {kind: 'Status', code: 403, message: 'events is forbidden'});
    api.objects.set(DEPLOYMENTS, {kind: 'Status', code: 403, message: 'forbidden'});
    const notes: string[] = [];
    const stop = new AbortController();
    const result = new KnativePods(kube).watchRevision('team', 'hello-abc', {signal: stop.signal, onNote: (n) => notes.push(n)});
    await until(() => notes.length === 3);
    stop.abort();
    expect(await result).toBeUndefined();
    expect(notes[0]).toContain('403');
  });
});
