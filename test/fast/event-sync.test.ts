// fn deploy's event wiring (event-sync.ts) and fn broker create (brokers.ts) as use cases over the
// in-memory Eventing port: the plan before anything changes (brokers checked, a dry run), the apply
// owned by the function with the stale objects pruned, the wait until each object is Ready at the
// generation it was given, and the reasons and next steps when not; then deploy() doing all three
// around the function's own apply and wait (the in-memory Knative).
import {beforeEach, describe, expect, test} from '@jest/globals';
import {createBroker} from '../../src/core/brokers.js';
import {deploy} from '../../src/core/deploy.js';
import {FnError} from '../../src/core/errors.js';
import {eventManifests} from '../../src/core/event-manifests.js';
import {applyEvents, deployEventPlan, eventNextStep, ownerOf, planEvents, waitEvents, type EventPlan} from '../../src/core/event-sync.js';
import type {Schedule, Subscription, Trigger} from '../../src/core/eventing.js';
import type {FunctionConfig} from '../../src/core/function.js';
import type {Progress} from '../../src/core/ports.js';
import {MemoryEventing} from './memory-eventing.js';
import {MemoryKnative} from './memory-knative.js';

const ns = 'default';
const lines: Array<[keyof Progress, string]> = [];
const progress: Progress = {step: (m) => lines.push(['step', m]), info: (m) => lines.push(['info', m]), warn: (m) => lines.push(['warn', m]), detail: (m) => lines.push(['detail', m]), status: (m) => lines.push(['info', m])};
const said = (kind: keyof Progress) => lines.filter(([k]) => k === kind).map(([, m]) => m);
const config = (subscriptions?: Subscription[], schedules?: Schedule[]): FunctionConfig => ({name: 'hello', runtime: 'node', ...(subscriptions ? {subscriptions} : {}), ...(schedules ? {schedules} : {})});
const plan = (c: FunctionConfig, missingBrokerIsError = true) => planEvents(eventing, c, {namespace: ns, routing: 'service', missingBrokerIsError}, progress);
const owner = {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello', uid: 'uid-of-hello'};
let eventing: MemoryEventing;

async function fnError(promise: Promise<unknown>): Promise<FnError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FnError);
  return error as FnError;
}

/** A Trigger of this function as an earlier deploy left it. */
function liveTrigger(name: string, broker = 'default', functionName = 'hello'): Trigger {
  const [t] = eventManifests({name: functionName, subscriptions: [{broker}]}, {namespace: ns, routing: 'service'}).triggers;
  return {...t, metadata: {...t.metadata, name}};
}

beforeEach(() => {
  eventing = new MemoryEventing();
  eventing.seedBroker(ns, 'default');
  lines.length = 0;
});

describe('planEvents', () => {
  test('a user who may not list Triggers deploys a function without events (nothing of fn there can be theirs); one with subscriptions is refused', async () => {
    const forbidden = Object.assign(Object.create(eventing), {
      objectsIn: async () => {
        throw new FnError('FORBIDDEN', 'forbidden', 'triggers.eventing.knative.dev is forbidden');
      },
    }) as MemoryEventing;
    expect(await planEvents(forbidden, config(), {namespace: ns, routing: 'service', missingBrokerIsError: true}, progress)).toBeUndefined();
    expect(said('detail')).toEqual([`not allowed to list Triggers and PingSources in namespace ${ns}: leaving event wiring alone`]);
    const refused = await fnError(planEvents(forbidden, config([{broker: 'default'}]), {namespace: ns, routing: 'service', missingBrokerIsError: true}, progress));
    expect([refused.code, refused.exitCode]).toEqual(['FORBIDDEN', 9]);
  });

  test('no subscriptions or schedules, and none live: nothing to do, nothing asked beyond the list', async () => {
    expect(await plan(config())).toBeUndefined();
    expect(eventing.calls).toEqual(['objectsIn']);
  });

  test('a missing broker: BROKER_NOT_FOUND (exit 8) naming subscriptions[i].broker and how to create it; nothing sent', async () => {
    const e = await fnError(plan(config([{broker: 'default'}, {broker: 'audit'}])));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'BROKER_NOT_FOUND', exitCode: 8});
    expect(e.message).toBe('subscriptions[1].broker: broker "audit" does not exist in namespace "default"');
    expect(e.suggestion).toBe('create it with: fn broker create audit -n default (or kn broker create audit -n default)');
    expect(e.details).toMatchObject({broker: 'audit', namespace: ns, field: 'subscriptions[1].broker'});
    expect(eventing.calls).not.toContain('apply:dryRun');
    expect(eventing.objects.size).toBe(0);
  });

  test('a missing broker when deploy does not wait: a warning, and the plan (the Trigger is Ready once the broker exists)', async () => {
    const p = await plan(config([{broker: 'audit', filters: {type: 'a'}}]), false);
    expect(p?.desired.triggers.map((t) => t.spec.broker)).toEqual(['audit']);
    expect(said('warn')).toEqual(['subscriptions[0]: broker "audit" does not exist in namespace "default"; its Trigger becomes Ready once it does (create it with: fn broker create audit -n default (or kn broker create audit -n default))']);
    expect(eventing.calls).toContain('apply:dryRun');
  });

  test('the cluster validates every object in a dry run before anything is written', async () => {
    const p = await plan(config([{broker: 'default', filters: {type: 'a'}}], [{cron: '@hourly'}]));
    expect(eventing.calls).toEqual(['objectsIn', 'broker', 'apply:dryRun']);
    expect(eventing.applies).toEqual([{names: ['Trigger/hello-default', 'PingSource/hello-schedule-1'], dryRun: true}]);
    expect(eventing.objects.size).toBe(0);
    expect(p?.desired.triggers).toHaveLength(1);
    expect(p?.desired.pingSources).toHaveLength(1);
  });

  test('a dry run the webhook refuses: its error, and nothing applied (not even the valid objects)', async () => {
    eventing.validate = (o) => {
      if (o.kind === 'PingSource') throw new FnError('ADMISSION_REJECTED', 'rejected', 'validation failed: invalid value: spec.schedule');
    };
    const e = await fnError(plan(config([{broker: 'default'}], [{cron: '@hourly'}])));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'ADMISSION_REJECTED', exitCode: 10});
    expect(eventing.objects.size).toBe(0);
    expect(eventing.calls).not.toContain('apply');
  });

  test('stale: fn\'s objects for this function that fn.yaml no longer lists; not another function\'s, not another tool\'s', async () => {
    eventing.seed(liveTrigger('hello-default'));
    eventing.seed(liveTrigger('hello-old'));
    eventing.seed(liveTrigger('hello-2-default', 'default', 'hello-2'));
    eventing.seed({...liveTrigger('hello-by-kn'), metadata: {name: 'hello-by-kn', namespace: ns, labels: {}}});
    const [ping] = eventManifests({name: 'hello', schedules: [{cron: '@daily'}]}, {namespace: ns, routing: 'service'}).pingSources;
    eventing.seed(ping);
    const p = await plan(config([{broker: 'default'}]));
    expect(p?.stale.triggers.map((t) => t.metadata.name)).toEqual(['hello-old']);
    expect(p?.stale.pingSources.map((t) => t.metadata.name)).toEqual(['hello-schedule-1']);
    expect([...(p?.existing ?? [])].sort()).toEqual(['PingSource/hello-schedule-1', 'Trigger/hello-default', 'Trigger/hello-old']);
  });

  test('a name another function\'s Trigger has (function hello-b, broker c; function hello, broker b-c): refused before anything is applied', async () => {
    eventing.seedBroker(ns, 'b-c');
    eventing.seed(liveTrigger('hello-b-c', 'c', 'hello-b'));
    const refused = await fnError(plan(config([{broker: 'b-c'}])));
    expect([refused.code, refused.exitCode]).toEqual(['EVENT_NAME_TAKEN', 3]);
    expect(refused.message).toBe(`subscriptions[0] would be Trigger "hello-b-c" in namespace ${ns}, which is function "hello-b"'s: deploying would take it over`);
    expect(refused.suggestion).toContain('give subscriptions[0] a name in fn.yaml');
    expect(eventing.calls).not.toContain('apply:dryRun');
    // With a name of its own it is another Trigger, and the other function's stays as it was.
    const p = await plan(config([{broker: 'b-c', name: 'orders'}]));
    expect(p?.desired.triggers.map((t) => t.metadata.name)).toEqual(['hello-orders']);
    expect(p?.stale.triggers).toEqual([]);
  });

  test('none listed any more, some live: a plan that deletes them, with no dry run (nothing to validate)', async () => {
    eventing.seed(liveTrigger('hello-default'));
    const p = await plan(config());
    expect(p?.desired).toEqual({triggers: [], pingSources: []});
    expect(p?.stale.triggers.map((t) => t.metadata.name)).toEqual(['hello-default']);
    expect(eventing.calls).toEqual(['objectsIn']);
  });
});

describe('applyEvents', () => {
  test('applied owned by the function; progress says created, then applied on the next deploy', async () => {
    const c = config([{broker: 'default', filters: {type: 'com.example.a'}}], [{cron: '0 9 * * 1-5', timezone: 'Europe/Berlin'}]);
    const applied = await applyEvents(eventing, (await plan(c))!, owner, progress);
    expect(applied.triggers.map((t) => t.metadata.ownerReferences)).toEqual([[{...owner, controller: false}]]);
    expect(eventing.get('PingSource', ns, 'hello-schedule-1')?.metadata.ownerReferences).toEqual([{...owner, controller: false}]);
    expect(eventing.applies.at(-1)).toEqual({names: ['Trigger/hello-default', 'PingSource/hello-schedule-1'], owner, dryRun: false});
    expect(said('step')).toEqual(['Trigger hello-default created: broker default, type=com.example.a', 'PingSource hello-schedule-1 created: 0 9 * * 1-5 (Europe/Berlin)']);

    lines.length = 0;
    await applyEvents(eventing, (await plan(c))!, owner, progress);
    expect(said('step')).toEqual(['Trigger hello-default applied: broker default, type=com.example.a', 'PingSource hello-schedule-1 applied: 0 9 * * 1-5 (Europe/Berlin)']);
  });

  test('a changed filter: the same Trigger, a new generation', async () => {
    await applyEvents(eventing, (await plan(config([{broker: 'default', filters: {type: 'a'}}])))!, owner, progress);
    await applyEvents(eventing, (await plan(config([{broker: 'default', filters: {type: 'b'}}])))!, owner, progress);
    const t = eventing.get('Trigger', ns, 'hello-default') as Trigger;
    expect({generation: t.metadata.generation, filter: t.spec.filter}).toEqual({generation: 2, filter: {attributes: {type: 'b'}}});
    expect(eventing.objects.size).toBe(1);
  });

  test('stale objects are deleted, and said so', async () => {
    eventing.seed(liveTrigger('hello-old'));
    const p = (await plan(config([{broker: 'default'}])))!;
    await applyEvents(eventing, p, owner, progress);
    expect(eventing.get('Trigger', ns, 'hello-old')).toBeUndefined();
    expect(eventing.get('Trigger', ns, 'hello-default')).toBeDefined();
    expect(said('step')).toContain('Trigger hello-old deleted: no longer in fn.yaml');
  });

  test('only stale objects: deleted, nothing applied', async () => {
    eventing.seed(liveTrigger('hello-default'));
    await applyEvents(eventing, (await plan(config()))!, owner, progress);
    expect(eventing.objects.size).toBe(0);
    expect(eventing.calls).not.toContain('apply');
    expect(said('step')).toEqual(['Trigger hello-default deleted: no longer in fn.yaml']);
  });

  test('no owner (a function read without a uid): applied without an owner reference', async () => {
    const [t] = (await applyEvents(eventing, (await plan(config([{broker: 'default'}])))!, undefined, progress)).triggers;
    expect(t.metadata.ownerReferences).toBeUndefined();
  });

  // A Trigger's broker is immutable (Knative's webhook: "Immutable fields changed (-old +new): broker").
  test('a named subscription moved to another broker: its Trigger is created again on the new one', async () => {
    eventing.seedBroker(ns, 'audit');
    await applyEvents(eventing, (await plan(config([{broker: 'default', name: 'orders'}])))!, owner, progress);
    lines.length = 0;
    const p = (await plan(config([{broker: 'audit', name: 'orders'}])))!;
    expect(eventing.get('Trigger', ns, 'hello-orders')).toMatchObject({spec: {broker: 'default'}});
    await applyEvents(eventing, p, owner, progress);
    expect(eventing.get('Trigger', ns, 'hello-orders')).toMatchObject({spec: {broker: 'audit'}, metadata: {generation: 1}});
    expect(said('step')).toEqual(['Trigger hello-orders created again: broker audit (was default; a Trigger\'s broker cannot change), (all events)']);
  });

  test('a named subscription moved to another broker: the new Trigger is validated in the dry run first', async () => {
    eventing.seedBroker(ns, 'audit');
    await applyEvents(eventing, (await plan(config([{broker: 'default', name: 'orders'}])))!, owner, progress);
    eventing.validate = (o) => {
      if (o.kind === 'Trigger' && o.spec.broker === 'audit') throw new FnError('ADMISSION_REJECTED', 'rejected', 'validation failed');
    };
    // The webhook's own refusal, not the broker change's: the dry run validated it as a create.
    expect((await fnError(plan(config([{broker: 'audit', name: 'orders'}])))).message).toBe('validation failed');
    expect(eventing.applies.at(-1)).toEqual({names: ['Trigger/hello-orders-dry-run'], dryRun: true});
    expect(eventing.get('Trigger', ns, 'hello-orders')).toMatchObject({spec: {broker: 'default'}});
  });
});

describe('waitEvents', () => {
  async function applied(c: FunctionConfig): Promise<EventPlan> {
    const p = (await plan(c))!;
    await applyEvents(eventing, p, owner, progress);
    lines.length = 0;
    return p;
  }

  test('returns once every object is Ready at its generation', async () => {
    const p = await applied(config([{broker: 'default'}], [{cron: '@hourly'}]));
    setTimeout(() => eventing.setStatus('Trigger', ns, 'hello-default', {ready: 'True'}), 20);
    setTimeout(() => eventing.setStatus('PingSource', ns, 'hello-schedule-1', {ready: 'True'}), 40);
    const status = await waitEvents(eventing, p, {timeoutSeconds: 5}, progress);
    expect(status.subscriptions).toEqual([{name: 'hello-default', broker: 'default', filters: '(all events)', subscriber: 'http://hello.default.svc.cluster.local', ready: 'True'}]);
    expect(status.schedules).toEqual([{name: 'hello-schedule-1', cron: '@hourly', sink: 'http://hello.default.svc.cluster.local', ready: 'True'}]);
    expect(said('step')).toEqual(['Waiting for its 2 Triggers and PingSources to become Ready']);
  });

  test('Ready for an older generation does not count: it waits for the controller to see the new spec', async () => {
    eventing.seed({...liveTrigger('hello-default'), spec: {...liveTrigger('hello-default').spec, filter: {attributes: {type: 'old'}}}});
    eventing.setStatus('Trigger', ns, 'hello-default', {ready: 'True'});
    const p = await applied(config([{broker: 'default', filters: {type: 'new'}}]));
    expect(eventing.get('Trigger', ns, 'hello-default')).toMatchObject({metadata: {generation: 2}, status: {observedGeneration: 1}});
    const e = await fnError(waitEvents(eventing, p, {timeoutSeconds: 0.3}, progress));
    expect(e.message).toBe('not Ready within 0.3s: Trigger hello-default: Ready Unknown (NotObserved): the controller has not seen this version yet');

    setTimeout(() => eventing.setStatus('Trigger', ns, 'hello-default', {ready: 'True'}), 20);
    expect((await waitEvents(eventing, p, {timeoutSeconds: 5}, progress)).subscriptions[0].ready).toBe('True');
  });

  test('objects fn.yaml no longer lists (or another function\'s) do not hold the wait', async () => {
    eventing.seed(liveTrigger('hello-2-default', 'default', 'hello-2'));
    const p = await applied(config([{broker: 'default'}]));
    eventing.setStatus('Trigger', ns, 'hello-default', {ready: 'True'});
    const status = await waitEvents(eventing, p, {timeoutSeconds: 5}, progress);
    expect(status.subscriptions.map((s) => s.name)).toEqual(['hello-default']);
  });

  test('an object that is gone (deleted by someone else meanwhile) is not Ready: named as not found', async () => {
    const p = await applied(config([{broker: 'default'}], [{cron: '@hourly'}]));
    eventing.setStatus('PingSource', ns, 'hello-schedule-1', {ready: 'True'});
    await eventing.delete({triggers: p.desired.triggers, pingSources: []});
    const e = await fnError(waitEvents(eventing, p, {timeoutSeconds: 0.2}, progress));
    expect(e.message).toBe('not Ready within 0.2s: Trigger hello-default: not found (deleted during the wait)');
    expect(e.suggestion).toBe('run fn deploy again to create it');
  });

  test('nothing listed: no wait', async () => {
    eventing.seed(liveTrigger('hello-default'));
    const p = await applied(config());
    expect(await waitEvents(eventing, p, {timeoutSeconds: 5}, progress)).toEqual({subscriptions: [], schedules: []});
    expect(eventing.calls).not.toContain('watchUntil');
  });

  test('not Ready in time: EVENTS_NOT_READY (exit 12) with every object\'s reason, and the next step for the first', async () => {
    eventing.seedBroker(ns, 'audit');
    const p = await applied(config([{broker: 'default'}, {broker: 'audit'}], [{cron: '@hourly'}]));
    eventing.setStatus('Trigger', ns, 'hello-audit', {ready: 'False', reason: 'BrokerDoesNotExist', message: 'Broker "audit" does not exist', conditions: [{type: 'BrokerReady', status: 'False', reason: 'BrokerDoesNotExist'}]});
    eventing.setStatus('Trigger', ns, 'hello-default', {ready: 'True'});
    eventing.setStatus('PingSource', ns, 'hello-schedule-1', {ready: 'False', conditions: [{type: 'SinkProvided', status: 'False', reason: 'NotFound', message: 'services.serving.knative.dev "hello" not found'}]});
    const e = await fnError(waitEvents(eventing, p, {timeoutSeconds: 0.2}, progress));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'EVENTS_NOT_READY', exitCode: 12});
    expect(e.message).toBe(
      'not Ready within 0.2s: Trigger hello-audit: Ready False (BrokerDoesNotExist): Broker "audit" does not exist; PingSource hello-schedule-1: Ready False (NotFound): services.serving.knative.dev "hello" not found',
    );
    expect(e.suggestion).toBe('create it with: fn broker create audit -n default (or kn broker create audit -n default)');
    expect(e.details?.subscriptions).toHaveLength(2);
  });

  test.each<[string, {reason?: string; message?: string; conditions?: Array<{type: string; status: 'False'; reason: string; message?: string}>}, RegExp]>([
    ['the broker\'s filter has no endpoints', {conditions: [{type: 'BrokerReady', status: 'False', reason: 'Endpoints unavailable', message: 'Endpoints "broker-filter" is unavailable.'}]}, /^the broker's data plane has no ready pods: check kubectl get pods -n knative-eventing$/],
    ['the subscriber cannot be resolved', {reason: 'Unable to get the Subscriber\'s URI', message: 'failed to get object default/hello: services.serving.knative.dev "hello" not found'}, /^the function has no address yet: check fn describe hello -n default$/],
  ])('the next step when %s', async (_title, status, suggestion) => {
    const p = await applied(config([{broker: 'default'}]));
    eventing.setStatus('Trigger', ns, 'hello-default', {ready: 'False', ...status});
    const e = await fnError(waitEvents(eventing, p, {timeoutSeconds: 0.1}, progress));
    expect(e.suggestion).toMatch(suggestion);
  });

  test('eventNextStep: a PingSource whose adapter is not running; anything else: kubectl describe', () => {
    expect(eventNextStep('PingSource', {name: 'hello-schedule-1', ready: 'False', reason: 'DeploymentUnavailable', message: 'The Deployment "pingsource-mt-adapter" is unavailable'}, ns, 'hello')).toBe(
      'the PingSource adapter is not running: check kubectl get deploy -n knative-eventing',
    );
    expect(eventNextStep('Trigger', {name: 'hello-default', ready: 'False', reason: 'Mystery'}, ns, 'hello')).toBe('kubectl describe trigger hello-default -n default');
    // Without a broker name (a PingSource) BrokerDoesNotExist cannot say which broker to create.
    expect(eventNextStep('PingSource', {name: 'p', ready: 'False', reason: 'BrokerDoesNotExist'}, ns, 'hello')).toBe('kubectl describe pingsource p -n default');
  });

  test('an interrupt ends the wait', async () => {
    const p = await applied(config([{broker: 'default'}]));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const e = await fnError(waitEvents(eventing, p, {timeoutSeconds: 30, signal: stop.signal}, progress));
    expect(e.code).toBe('INTERRUPTED');
  });
});

describe('ownerOf', () => {
  test('the Service, or the Route in route mode; none without a uid', () => {
    expect(ownerOf({name: 'hello', routing: 'service', uid: 'u1'})).toEqual({apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello', uid: 'u1'});
    expect(ownerOf({name: 'hello', routing: 'route', uid: 'u2'})).toEqual({apiVersion: 'serving.knative.dev/v1', kind: 'Route', name: 'hello', uid: 'u2'});
    expect(ownerOf({name: 'hello', routing: 'service'})).toBeUndefined();
  });
});

describe('deploy() with fn.yaml events', () => {
  const image = `registry.test/hello@sha256:${'1'.repeat(64)}`;
  let knative: MemoryKnative;
  const request = async (c: FunctionConfig, wait = true) => ({config: c, image, namespace: ns, routing: 'service' as const, wait, timeoutSeconds: 5, events: {eventing, plan: (await plan(c))!}});

  beforeEach(() => {
    knative = new MemoryKnative();
  });

  test('applies after the function (owned by it), waits after the function is Ready; the result carries them', async () => {
    const seen: string[] = [];
    eventing.onCall = (method) => {
      if (method === 'apply') seen.push(`apply: function written ${knative.writes.length}`);
      if (method === 'watchUntil') seen.push(`watch: function Ready ${knative.services.get(`${ns}/hello`)?.latestReady !== undefined}`);
    };
    eventing.autoReady = true;
    const result = await deploy(knative, await request(config([{broker: 'default', filters: {type: 'a'}}], [{cron: '@hourly', data: {a: 1}}])), progress);
    expect(seen).toEqual(['apply: function written 1', 'watch: function Ready true']);
    expect(eventing.get('Trigger', ns, 'hello-default')?.metadata.ownerReferences).toEqual([{apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello', uid: `uid-${ns}-hello`, controller: false}]);
    expect(result.ready).toBe(true);
    expect(result.subscriptions).toEqual([expect.objectContaining({name: 'hello-default', broker: 'default', filters: 'type=a', ready: 'True'})]);
    expect(result.schedules).toEqual([expect.objectContaining({name: 'hello-schedule-1', cron: '@hourly', data: '{"a":1}', ready: 'True'})]);
  });

  test('--no-wait: applied, not waited for; the result says they are not Ready yet', async () => {
    const result = await deploy(knative, await request(config([{broker: 'default'}]), false), progress);
    expect(eventing.calls).not.toContain('watchUntil');
    expect(result.subscriptions).toEqual([expect.objectContaining({name: 'hello-default', ready: 'Unknown'})]);
  });

  test('a function that does not become Ready: its error; the Triggers are applied but not waited for', async () => {
    knative.nextRevision = {ready: 'False', reason: 'ContainerMissing', message: 'Unable to fetch image'};
    const e = await fnError(deploy(knative, await request(config([{broker: 'default'}])), progress));
    expect(e.code).not.toBe('EVENTS_NOT_READY');
    expect(eventing.get('Trigger', ns, 'hello-default')).toBeDefined();
    expect(eventing.calls).not.toContain('watchUntil');
  });

  test('a Trigger that does not become Ready: EVENTS_NOT_READY after the function is Ready', async () => {
    const e = await fnError(deploy(knative, {...(await request(config([{broker: 'default'}]))), timeoutSeconds: 0.3}, progress));
    expect(e.code).toBe('EVENTS_NOT_READY');
    expect(knative.services.get(`${ns}/hello`)?.latestReady).toBeDefined();
  });

  const deployWithout = async (wait = true) => {
    const c = config();
    const later = await deployEventPlan(eventing, c, {namespace: ns, routing: 'service', missingBrokerIsError: wait}, progress);
    return deploy(knative, {config: c, image, namespace: ns, routing: 'service', wait, timeoutSeconds: 5, events: {eventing, plan: later!}}, progress);
  };

  test('fn.yaml without events, a new function: nothing asked of Eventing (it has nothing to prune), and one read of the function', async () => {
    const result = await deployWithout();
    expect(eventing.calls).toEqual([]);
    expect(result).not.toHaveProperty('subscriptions');
    expect(knative.reads).toBe(1);
  });

  test('fn.yaml without events, a function that had some: planned once it is read, and what it had is pruned after the apply', async () => {
    eventing.autoReady = true;
    await deploy(knative, await request(config([{broker: 'default'}])), progress);
    expect(eventing.get('Trigger', ns, 'hello-default')).toBeDefined();
    eventing.calls.length = 0;
    const order: string[] = [];
    eventing.onCall = (method) => order.push(`${method}: function written ${knative.writes.length}`);
    await deployWithout();
    expect(eventing.get('Trigger', ns, 'hello-default')).toBeUndefined();
    expect(order[0]).toBe('objectsIn: function written 1');
    expect(order.slice(1).every((o) => o.endsWith('written 2'))).toBe(true);
  });

  test('without events in the request: no event objects in the result', async () => {
    const result = await deploy(knative, {config: config(), image, namespace: ns, routing: 'service', wait: true, timeoutSeconds: 5}, progress);
    expect(result).not.toHaveProperty('subscriptions');
    expect(eventing.calls).toEqual([]);
  });
});

describe('createBroker', () => {
  const create = (name: string, options: {brokerClass?: string; wait?: boolean; timeoutSeconds?: number} = {}) =>
    createBroker(eventing, {namespace: ns, name, wait: options.wait ?? true, timeoutSeconds: options.timeoutSeconds ?? 5, ...(options.brokerClass ? {brokerClass: options.brokerClass} : {})}, progress);

  test('created, then watched until Ready, each new state said once', async () => {
    setTimeout(() => eventing.setBrokerStatus(ns, 'orders', {ready: 'Unknown', reason: 'NotReady', message: 'waiting for the channel'}), 10);
    setTimeout(() => eventing.setBrokerStatus(ns, 'orders', {ready: 'True'}), 40);
    const result = await create('orders');
    expect(result.created).toBe(true);
    expect(result.broker).toMatchObject({name: 'orders', namespace: ns, ready: 'True', class: 'MTChannelBasedBroker', url: expect.stringContaining('/default/orders')});
    expect(eventing.brokersByKey.get(`${ns}/orders`)?.metadata.labels).toEqual({'app.kubernetes.io/managed-by': 'fn'});
    expect(said('step')).toEqual(['Created broker orders in namespace default']);
    expect(said('info')).toEqual(['Ready: Unknown NotObserved — the controller has not seen this version yet', 'Ready: Unknown NotReady — waiting for the channel', 'Ready: True']);
  });

  test('it exists: nothing created or changed', async () => {
    const result = await create('default');
    expect(result).toMatchObject({created: false, broker: {name: 'default', ready: 'True'}});
    expect(eventing.calls).toEqual(['broker']);
    expect(said('info')).toEqual(['broker default already exists in namespace default: nothing changed']);
  });

  test('it exists with the class asked for: nothing created', async () => {
    expect((await create('default', {brokerClass: 'MTChannelBasedBroker'})).created).toBe(false);
  });

  test('it exists with another class: BROKER_EXISTS (exit 3), nothing changed', async () => {
    const e = await fnError(create('default', {brokerClass: 'Kafka'}));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'BROKER_EXISTS', exitCode: 3});
    expect(e.message).toBe('broker "default" exists in namespace "default" with class MTChannelBasedBroker, not Kafka');
    expect(e.suggestion).toBe('use it as it is, or delete it first: kubectl delete broker default -n default');
    expect(eventing.calls).toEqual(['broker']);
  });

  test('the class asked for is sent', async () => {
    eventing.brokerAutoReady = true;
    await create('kafka', {brokerClass: 'Kafka'});
    expect(eventing.brokersByKey.get(`${ns}/kafka`)?.metadata.annotations).toEqual({'eventing.knative.dev/broker.class': 'Kafka'});
  });

  test.each([
    ['its channel', {reason: 'ChannelNotReady', message: 'InMemoryChannel "orders-kne-trigger" is not ready'}, 'its channel is not ready: check kubectl get inmemorychannels,pods -n knative-eventing'],
    ['its ingress', {reason: 'Endpoints unavailable', message: 'Endpoints "broker-ingress" is unavailable.'}, "the broker's ingress or filter has no ready pods: check kubectl get pods -n knative-eventing"],
    ['anything else', {reason: 'Mystery'}, 'kubectl describe broker orders -n default'],
  ])('not Ready in time (%s): BROKER_NOT_READY (exit 12) with the reason and the next step', async (_title, status, next) => {
    setTimeout(() => eventing.setBrokerStatus(ns, 'orders', {ready: 'False', ...status}), 10);
    const e = await fnError(create('orders', {timeoutSeconds: 0.2}));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'BROKER_NOT_READY', exitCode: 12});
    expect(e.message).toBe(`broker orders was not Ready within 0.2s: ${status.reason}${'message' in status ? ` — ${status.message}` : ''}`);
    expect(e.suggestion).toBe(next);
  });

  test('--no-wait: created, not watched', async () => {
    const result = await create('orders', {wait: false});
    expect(result.created).toBe(true);
    expect(eventing.calls).toEqual(['broker', 'createBroker']);
  });

  test('an invalid name is refused before the cluster is asked', async () => {
    const e = await fnError(create('Orders'));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'INVALID_BROKER', exitCode: 2});
    expect(eventing.calls).toEqual([]);
  });
});

