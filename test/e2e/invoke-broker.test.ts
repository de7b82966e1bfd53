// `fn invoke --broker` against the local Knative Eventing: the event fn sends reaches a Knative
// Service (the recording sink of test/support/event-sink.ts) through the real broker ingress, channel
// and Trigger filter. The broker's address is cluster-local (broker-ingress.knative-eventing.svc…),
// so fn sends through the harness's ingress, which forwards such hosts like an HTTP proxy into the
// cluster (--ingress / FN_INGRESS). An unknown broker is exit 8 with how to create one; a bad broker
// name is exit 2 before any cluster is contacted; no ingress for a cluster-local host is exit 14.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import http from 'node:http';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {eventSinkImage, type ReceivedEvent} from '../support/event-sink.js';
import {clusterEnv, DOMAIN, TestCluster, type KObject} from '../support/knative-env.js';
import {sleep, waitFor} from '../support/broker-events.js';

const EVENTING = {group: 'eventing.knative.dev', version: 'v1'} as const;
const SERVING = {group: 'serving.knative.dev', version: 'v1'} as const;
const BROKER_HOST = 'broker-ingress.knative-eventing.svc.cluster.local';
const TIMEOUT = 300_000;

const cluster = new TestCluster();
let ns: string;


function ingress(): string {
  const address = process.env.FN_TESTENV_INGRESS;
  if (!address) throw new Error('FN_TESTENV_INGRESS is not set: source $FN_TESTENV_DIR/env (test/cluster/up.sh writes it)');
  return address;
}

/** fn's environment for the test cluster, without an FN_INGRESS of the caller's. */
const env = (extra: Record<string, string> = {}) => clusterEnv({FN_INGRESS: '', ...extra});


async function ready(api: {group: string; version: string}, plural: string, name: string): Promise<void> {
  const get = async () => (await cluster.custom.getNamespacedCustomObject({...api, namespace: ns, plural, name}).catch(() => undefined)) as KObject | undefined;
  await waitFor(
    `${plural}/${name} to become Ready`,
    async () => ((await get())?.status?.conditions ?? []).some((c: {type: string; status: string}) => c.type === 'Ready' && c.status === 'True') || undefined,
    120_000,
    async () => JSON.stringify((await get())?.status?.conditions ?? 'no status'),
  );
}

/** What the sink has received, read through the ingress by its Host header. */
function received(): Promise<ReceivedEvent[]> {
  const [host, port] = ingress().split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({host, port: Number(port || 80), path: '/events', headers: {host: `sink.${ns}.${DOMAIN}`}, timeout: 10_000}, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(text) as ReceivedEvent[]) : []));
    });
    req.on('timeout', () => req.destroy(new Error('GET /events: timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  ns = await cluster.namespace('fn-invoke-broker');
  const create = (plural: string, api: {group: string; version: string}, body: object) => cluster.custom.createNamespacedCustomObject({...api, namespace: ns, plural, body});
  await create('brokers', EVENTING, {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', metadata: {name: 'default', namespace: ns}});
  await create('services', SERVING, {apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: {name: 'sink', namespace: ns}, spec: {template: {spec: {containers: [{image: eventSinkImage()}]}}}});
  await create('triggers', EVENTING, {
    apiVersion: 'eventing.knative.dev/v1',
    kind: 'Trigger',
    metadata: {name: 'x-to-sink', namespace: ns},
    spec: {broker: 'default', filter: {attributes: {type: 'com.example.x'}}, subscriber: {ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'sink'}}},
  });
  await Promise.all([ready(EVENTING, 'brokers', 'default'), ready(SERVING, 'services', 'sink'), ready(EVENTING, 'triggers', 'x-to-sink')]);
}, TIMEOUT);

afterAll(() => cluster.cleanup());

describe('fn invoke --broker', () => {
  test('prints 202 and the sink receives exactly that event (type, source, data)', async () => {
    const send = (id: string) => runFn(['invoke', '--broker', 'default', '--type', 'com.example.x', '--data', '{"a":1}', '--ingress', ingress(), '-n', ns, '--id', id], {env: env()});
    // A Ready Trigger does not promise the dispatcher has the subscriber yet (Knative drops an event
    // in that moment too): send until one gets through, each answered 202.
    const id = await waitFor(
      'an event through broker → channel → Trigger → sink',
      async () => {
        const candidate = `fn-invoke-${Date.now()}`;
        const r = await send(candidate);
        expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, `202 Accepted: broker default in namespace ${ns} took event ${candidate} (type com.example.x, source fn/cli)`, '']);
        await sleep(1500);
        return (await received()).some((e) => e.headers['ce-id'] === candidate) ? candidate : undefined;
      },
      60_000,
      async () => JSON.stringify(await received()),
    );
    const events = (await received()).filter((e) => e.headers['ce-id'] === id);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.method).toBe('POST');
    expect(event.headers).toMatchObject({'ce-specversion': '1.0', 'ce-id': id, 'ce-type': 'com.example.x', 'ce-source': 'fn/cli', 'content-type': 'application/json'});
    // Stamped by the broker ingress: it came through Knative, not around it.
    expect(event.headers['ce-knativearrivaltime']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.parse(event.body)).toEqual({a: 1});
  }, TIMEOUT);

  test('--json and --verbose: the broker, its address and the ingress it went through; FN_INGRESS and fn.yaml\'s namespace count as -n and --ingress do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-invoke-broker-'));
    await writeFile(join(dir, 'fn.yaml'), `specVersion: 1\nname: hello\nruntime: node\nnamespace: ${ns}\n`);
    const r = await runFnJson(['invoke', '--broker', 'default', '--type', 'com.example.y', '--source', '/fn/e2e', '--data', 'hi', '--content-type', 'text/plain'], {env: env({FN_INGRESS: ingress()}), cwd: dir});
    expectExit(r, 0);
    const [host, port] = ingress().split(':');
    expect(r.json).toMatchObject({
      broker: {name: 'default', namespace: ns, url: `http://${BROKER_HOST}/${ns}/default`},
      via: {host, port: Number(port), source: 'FN_INGRESS'},
      url: `http://${BROKER_HOST}/${ns}/default`,
      status: 202,
      statusText: 'Accepted',
      sent: {type: 'com.example.y', source: '/fn/e2e', datacontenttype: 'text/plain'},
    });
    const verbose = await runFn(['invoke', '--broker', 'default', '--type', 'com.example.y', '-n', ns, '--ingress', ingress(), '--verbose'], {env: env()});
    expectExit(verbose, 0);
    expect(verbose.stderr).toContain(`broker default: ${BROKER_HOST} is sent to through the ingress: http://${BROKER_HOST}/${ns}/default via ${ingress()} (--ingress), request line in absolute form (as to an HTTP proxy)`);
  }, TIMEOUT);

  test('an unknown broker: exit 8 saying how to create it', async () => {
    const r = await runFn(['invoke', '--broker', 'orders', '-n', ns, '--ingress', ingress()], {env: env()});
    expectExit(r, 8);
    expect(r.stderr).toBe(`Error: broker "orders" does not exist in namespace "${ns}"\nTry: create it with: fn broker create orders -n ${ns} (or kn broker create orders -n ${ns})`);
    const json = await runFnJson(['invoke', '--broker', 'orders', '-n', ns], {env: env()});
    expect(json.json.error).toMatchObject({code: 'BROKER_NOT_FOUND', exitCode: 8, details: {broker: 'orders', namespace: ns}});
  }, TIMEOUT);

  test('a bad broker name: exit 2 before the cluster is contacted (no kubeconfig: that would be exit 7)', async () => {
    const r = await runFn(['invoke', '--broker', 'Orders_Broker', '-n', ns], {env: {KUBECONFIG: '/nonexistent/kubeconfig'}});
    expectExit(r, 2);
    expect(r.stderr).toContain('Error: --broker "Orders_Broker" is not a broker name: it must be lowercase letters, digits and \'-\', starting and ending with a letter or digit');
  });

  test('the cluster-local host with no --ingress or FN_INGRESS: exit 14 naming both and a port-forward', async () => {
    const r = await runFnJson(['invoke', '--broker', 'default', '-n', ns], {env: env()});
    expectExit(r, 14);
    expect(r.json.error).toMatchObject({
      code: 'NO_INGRESS',
      message: `broker "default" is at http://${BROKER_HOST}/${ns}/default, and ${BROKER_HOST} does not resolve from here (a cluster-local address)`,
      suggestion:
        'send through an HTTP proxy or a port-forward into the cluster: --ingress HOST[:PORT] or FN_INGRESS=HOST[:PORT] (e.g. kubectl port-forward -n knative-eventing svc/broker-ingress 8080:80, then --ingress 127.0.0.1:8080)',
    });
  }, TIMEOUT);
});
