// fn's own Eventing story against the real Knative Eventing of the test cluster: `fn broker create`,
// a cloudevents function whose fn.yaml subscribes to the broker with a filter and has a schedule,
// `fn deploy` making the Triggers and the PingSource (owned by the Service, Ready), events that really
// flow (the matching type reaches the function, another does not; the function's reply goes back into
// the broker and on to a second subscriber; the schedule fires, seen in fn logs), a changed filter updating the same
// Trigger, removed entries deleted, `fn delete` taking them along, and bad input refused with nothing applied.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {sendToBroker, sinkEvents, sleep, waitFor} from '../support/broker-events.js';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {eventSinkImage, type ReceivedEvent} from '../support/event-sink.js';
import {clusterFnEnv, initFunction} from '../support/function-project.js';
import {TestCluster, type KObject} from '../support/knative-env.js';
import {digest} from '../support/test-image.js';

const EVENTING = {group: 'eventing.knative.dev', version: 'v1'} as const;
const SOURCES = {group: 'sources.knative.dev', version: 'v1'} as const;

const cluster = new TestCluster();
let ns: string;
let dir: string;
let baseYaml: string;
const env = () => clusterFnEnv();

async function list(api: {group: string; version: string}, plural: string): Promise<KObject[]> {
  return ((await cluster.custom.listNamespacedCustomObject({...api, namespace: ns, plural})) as {items: KObject[]}).items;
}

async function setEvents(yaml: string): Promise<void> {
  await writeFile(join(dir, 'fn.yaml'), `${baseYaml}${yaml}`);
}

/** The greetings the recorder sent back into the broker, as the second subscriber (the sink) got them. */
async function replies(): Promise<Array<{message: string; inReplyTo: string}>> {
  return (await sinkEvents(ns)).filter((e: ReceivedEvent) => e.headers['ce-type'] === 'com.example.greeting').map((e) => JSON.parse(e.body));
}

beforeAll(async () => {
  ns = await cluster.namespace('fn-evfn');
  // The second subscriber: an event sink taking the function's replies (type com.example.greeting).
  await cluster.custom.createNamespacedCustomObject({
    group: 'serving.knative.dev',
    version: 'v1',
    namespace: ns,
    plural: 'services',
    body: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: {name: 'sink', namespace: ns}, spec: {template: {spec: {containers: [{image: eventSinkImage()}]}}}},
  });
  dir = await initFunction('recorder', 'node', 'cloudevents', `namespace: ${ns}\n`);
  baseYaml = await readFile(join(dir, 'fn.yaml'), 'utf8');
}, 180_000);

afterAll(() => cluster.cleanup());

describe('fn and Knative Eventing', () => {
  test('bad input is refused before anything is built or applied: unknown broker (8), duplicate filter keys, invalid cron, unknown time zone (2)', async () => {
    await setEvents('subscriptions:\n  - broker: default\n    filters: {type: com.example.match}\n');
    const missing = await runFnJson(['deploy', '--path', dir], {env: env()});
    expectExit(missing, 8);
    expect(missing.json.error).toMatchObject({code: 'BROKER_NOT_FOUND'});
    expect(missing.json.error.message).toContain(`subscriptions[0].broker: broker "default" does not exist in namespace "${ns}"`);
    expect(missing.json.error.suggestion).toContain(`fn broker create default -n ${ns}`);
    expect(missing.stderr).not.toMatch(/Building|Pushing/);

    for (const [yaml, code, text] of [
      ['subscriptions:\n  - broker: default\n    filters:\n      type: a\n      type: b\n', 'INVALID_FN_YAML', 'duplicate key "type"'],
      ['subscriptions:\n  - broker: default\n    filters: [{exact: {type: a}}, {exact: {type: b}}]\n', 'DUPLICATE_FILTER', 'repeats an exact filter on "type"'],
      ['schedules:\n  - cron: "*/5 * * *"\n', 'INVALID_SCHEDULE', 'has 4 fields'],
      ['schedules:\n  - cron: "0 9 * * *"\n    timezone: Europe/Berln\n', 'INVALID_TIMEZONE', 'did you mean timezone: Europe/Berlin?'],
    ] as const) {
      await setEvents(yaml);
      const r = await runFnJson(['deploy', '--path', dir], {env: env()});
      expect([yaml, r.exitCode, r.json.error.code]).toEqual([yaml, 2, code]);
      expect(`${r.json.error.message} ${r.json.error.suggestion}`).toContain(text);
    }
    // Nothing of the function reached the cluster.
    expect(await cluster.get('services', ns, 'recorder')).toBeUndefined();
    expect(await list(EVENTING, 'triggers')).toEqual([]);
  });

  test('fn broker create makes a Ready broker; fn brokers lists it', async () => {
    const created = await runFnJson(['broker', 'create', 'default', '-n', ns], {env: env()});
    expectExit(created, 0);
    expect(created.json).toMatchObject({created: true, broker: {name: 'default', namespace: ns, ready: 'True', url: `http://broker-ingress.knative-eventing.svc.cluster.local/${ns}/default`}});
    const brokers = await runFnJson(['brokers', '-n', ns], {env: env()});
    expect(brokers.json.map((b: {name: string; ready: string}) => [b.name, b.ready])).toEqual([['default', 'True']]);
  }, 120_000);

  test('deploy wires subscriptions and a schedule; the matching type reaches the function, another does not; its reply reaches a second subscriber; the schedule fires', async () => {
    await setEvents(
      [
        'subscriptions:',
        '  - broker: default',
        '    filters: {type: com.example.match}',
        'schedules:',
        '  - cron: "* * * * *"',
        '    timezone: Europe/Berlin',
        `    data: {name: ping-${ns}}`,
        '',
      ].join('\n'),
    );
    const deployed = await runFnJson(['deploy', '--path', dir], {env: env()});
    expectExit(deployed, 0);
    expect(deployed.json.subscriptions).toEqual([expect.objectContaining({name: 'recorder-default', broker: 'default', filters: 'type=com.example.match', ready: 'True'})]);
    expect(deployed.json.schedules).toEqual([expect.objectContaining({name: 'recorder-schedule-1', cron: '* * * * *', timezone: 'Europe/Berlin', ready: 'True'})]);

    // Owned by the Service (they go with it), labelled for fn.
    const service = await cluster.get('services', ns, 'recorder');
    const [trigger] = await list(EVENTING, 'triggers');
    expect(trigger.metadata).toMatchObject({name: 'recorder-default', labels: {'fn.dev/function': 'recorder', 'app.kubernetes.io/managed-by': 'fn'}});
    expect((trigger.metadata as {ownerReferences?: unknown[]}).ownerReferences).toEqual([expect.objectContaining({kind: 'Service', name: 'recorder', uid: service!.metadata.uid})]);

    // The sink takes the recorder's replies: a Trigger made by hand, as another team would.
    await cluster.custom.createNamespacedCustomObject({
      ...EVENTING,
      namespace: ns,
      plural: 'triggers',
      body: {apiVersion: 'eventing.knative.dev/v1', kind: 'Trigger', metadata: {name: 'greetings-to-sink', namespace: ns}, spec: {broker: 'default', filter: {attributes: {type: 'com.example.greeting'}}, subscriber: {ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'sink'}}}},
    });
    // A Ready Trigger does not promise the dispatcher has its subscriber yet: send until a reply arrives.
    const first = await waitFor(
      'a reply to a com.example.match event at the second subscriber',
      async () => {
        const id = `match-${Date.now()}`;
        expect((await sendToBroker(ns, 'default', {id, type: 'com.example.match', data: {name: 'Ada'}})).status).toBe(202);
        await sleep(1500);
        return (await replies()).find((r) => r.inReplyTo === id);
      },
      90_000,
      async () => JSON.stringify(await sinkEvents(ns)),
    );
    expect(first.message).toBe('Hello Ada');

    // Another type, then a matching marker: once the marker's reply is there, the other had its chance.
    expect((await sendToBroker(ns, 'default', {id: `other-${ns}`, type: 'com.example.other', data: {name: 'Nobody'}})).status).toBe(202);
    expect((await sendToBroker(ns, 'default', {id: `marker-${ns}`, type: 'com.example.match', data: {name: 'Marker'}})).status).toBe(202);
    await waitFor('the marker reply', async () => ((await replies()).some((r) => r.inReplyTo === `marker-${ns}`) ? true : undefined), 30_000);
    await sleep(1000);
    expect((await replies()).map((r) => r.inReplyTo)).not.toContain(`other-${ns}`);
    const logs = await runFn(['logs', '--path', dir, '--since', '5m'], {env: env()});
    expect(logs.stdout + logs.stderr).toContain('received com.example.match from /fn/e2e');
    expect(logs.stdout + logs.stderr).not.toContain('received com.example.other');

    // The schedule: the PingSource sends straight to the function (a source drops replies), as fn logs shows.
    const pingLine = `received dev.knative.sources.ping from /apis/v1/namespaces/${ns}/pingsources/recorder-schedule-1`;
    await waitFor(
      'the schedule to fire',
      async () => {
        const r = await runFn(['logs', '--path', dir, '--since', '5m'], {env: env()});
        return (r.stdout + r.stderr).includes(pingLine) ? true : undefined;
      },
      130_000,
    );

    const described = await runFnJson(['describe', '--path', dir], {env: env()});
    expect(described.json.subscriptions.map((s: {name: string}) => s.name)).toEqual(['recorder-default']);
    expect(described.json.schedules.map((s: {name: string}) => s.name)).toEqual(['recorder-schedule-1']);
  }, 400_000);

  test('a changed filter updates the same Trigger; removed subscriptions and schedules are deleted; fn delete takes the rest along', async () => {
    const before = (await list(EVENTING, 'triggers')).find((t) => t.metadata.name === 'recorder-default')!;
    await setEvents(['subscriptions:', '  # orders now', '  - broker: default', '    filters: {type: com.example.changed}', '  - broker: default', '    name: audit', ''].join('\n'));
    const changed = await runFn(['deploy', '--path', dir], {env: env()});
    expect([changed.exitCode, changed.stderr]).toEqual([0, expect.stringContaining('Trigger recorder-default applied: broker default, type=com.example.changed')]);
    expect(changed.stderr).toContain('PingSource recorder-schedule-1 deleted: no longer in fn.yaml');
    const after = (await list(EVENTING, 'triggers')).find((t) => t.metadata.name === 'recorder-default')!;
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.spec.filter).toEqual({attributes: {type: 'com.example.changed'}});
    expect((await list(SOURCES, 'pingsources')).map((p) => p.metadata.name)).toEqual([]);
    const listed = await runFnJson(['subscriptions', '--path', dir], {env: env()});
    expect(listed.json.map((t: {name: string; filters: string; ready: string}) => [t.name, t.filters, t.ready])).toEqual([
      ['recorder-audit', '(all events)', 'True'],
      ['recorder-default', 'type=com.example.changed', 'True'],
    ]);

    await setEvents(['subscriptions:', '  - broker: default', '    name: audit', ''].join('\n'));
    expect((await runFn(['deploy', '--path', dir], {env: env()})).exitCode).toBe(0);
    expect((await list(EVENTING, 'triggers')).map((t) => t.metadata.name).sort()).toEqual(['greetings-to-sink', 'recorder-audit']);

    const deleted = await runFnJson(['delete', '--path', dir, '--yes'], {env: env()});
    expectExit(deleted, 0);
    expect(deleted.json).toMatchObject({deleted: true, triggers: ['recorder-audit'], schedules: []});
    // Gone at once (not left to the garbage collector); the hand-made Trigger is not fn's.
    expect((await list(EVENTING, 'triggers')).map((t) => t.metadata.name)).toEqual(['greetings-to-sink']);
  }, 300_000);

  test('a subscription\'s delivery: an event the function fails is retried, then the broker sends it to the dead-letter sink', async () => {
    // A function that answers every event 500 (health checks 200), subscribed with one retry and the sink for dead letters.
    const failing = await initFunction('failing', 'node', 'http', `namespace: ${ns}\nsubscriptions:\n  - broker: default\n    filters: {type: com.example.fail}\n    delivery: {retry: 1, backoffPolicy: linear, backoffDelay: 200ms, deadLetterSink: sink}\n`);
    const deployed = await runFnJson(['deploy', '--path', failing, '--image', digest('fail', {status: 500})], {env: env()});
    expectExit(deployed, 0);
    expect(deployed.json.subscriptions).toEqual([expect.objectContaining({name: 'failing-default', delivery: 'retry 1 (linear, PT0.2S), dead letters to ksvc:sink', ready: 'True'})]);
    const trigger = (await list(EVENTING, 'triggers')).find((t) => t.metadata.name === 'failing-default')!;
    // Knative's webhook fills in the reference's namespace.
    expect(trigger.spec.delivery).toEqual({retry: 1, backoffPolicy: 'linear', backoffDelay: 'PT0.2S', deadLetterSink: {ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'sink', namespace: ns}}});
    const listed = await runFn(['subscriptions', '--path', failing], {env: {...env(), COLUMNS: '200'}});
    expect(listed.stdout).toMatch(/DELIVERY[\s\S]*failing-default\s+default\s+type=com\.example\.fail\s+retry 1 \(linear, PT0\.2S\), dead letters to ksvc:sink/);

    // A Ready Trigger does not promise the dispatcher has it yet: send until one arrives as a dead letter.
    const dead = await waitFor(
      'a com.example.fail event at the dead-letter sink',
      async () => {
        const id = `fail-${Date.now()}`;
        expect((await sendToBroker(ns, 'default', {id, type: 'com.example.fail', data: {n: 1}})).status).toBe(202);
        await sleep(2000);
        return (await sinkEvents(ns)).find((e) => e.headers['ce-id'] === id);
      },
      90_000,
      async () => JSON.stringify(await sinkEvents(ns)),
    );
    // Knative marks a dead letter with the last error: the function's 500.
    expect(dead.headers['ce-type']).toBe('com.example.fail');
    expect(dead.headers['ce-knativeerrorcode']).toBe('500');
  }, 300_000);
});
