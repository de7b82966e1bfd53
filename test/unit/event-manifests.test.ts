// fn.yaml subscriptions and schedules → Triggers and PingSources (event-manifests.ts): names that stay
// within 63 characters and stay the same across deploys, the subscriber, the event data, the labels
// fn finds its objects by. The golden files (test/unit/golden/events*) hold whole outputs.
import {describe, expect, test} from '@jest/globals';
import {childName, eventLabels, eventManifests, eventObjectNames, eventSelector, functionDestination} from '../../src/core/event-manifests.js';
import type {Schedule, Subscription} from '../../src/core/eventing.js';
import {parseFunction} from '../../src/core/function.js';
import {describeDelivery} from '../../src/core/eventing.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const manifests = (subscriptions: Subscription[] = [], schedules: Schedule[] = [], routing: 'service' | 'route' = 'service', name = 'hello') =>
  eventManifests({name, subscriptions, schedules}, {namespace: 'shop', routing});

describe('childName', () => {
  test('short: "<function>-<suffix>" as it is', () => {
    expect(childName('hello', 'default')).toBe('hello-default');
    const exactly63 = `${'f'.repeat(55)}-${'s'.repeat(7)}`;
    expect(exactly63).toHaveLength(63);
    expect(childName('f'.repeat(55), 's'.repeat(7))).toBe(exactly63);
  });

  test('long: within 63 characters, a DNS label, the same every time, different for different inputs', () => {
    const names = new Set<string>();
    for (let fn = 40; fn <= 63; fn += 1) {
      for (const suffix of ['default', 'a-broker-with-a-long-name', `schedule-${fn}`, 'x'.repeat(63), 'ends-with-dash-at-the-cut-'.repeat(3).slice(0, -1)]) {
        const name = childName('f'.repeat(fn), suffix);
        expect(name.length).toBeLessThanOrEqual(63);
        expect(name).toMatch(DNS1123_LABEL);
        expect(childName('f'.repeat(fn), suffix)).toBe(name);
        names.add(name);
      }
    }
    expect(names.size).toBe(24 * 5);
  });

  test('a cut that ends in "-" leaves no "--" before the hash', () => {
    // 53 characters, then "-": the cut at 54 would end in a hyphen.
    const name = childName(`${'a'.repeat(53)}-b`, 'c'.repeat(20));
    expect(name).toMatch(/^a{53}-[0-9a-f]{8}$/);
  });

  test('64 characters are hashed: the prefix is kept, so people still see whose it is', () => {
    const name = childName('f'.repeat(56), 's'.repeat(7));
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^f{54}-[0-9a-f]{8}$/);
  });
});

describe('names stay the same across deploys', () => {
  test('a changed filter updates its Trigger: same names', () => {
    const before = manifests([{broker: 'default', filters: {type: 'a'}}, {broker: 'default', filters: {type: 'b'}}]);
    const after = manifests([{broker: 'default', filters: {type: 'a', source: '/x'}}, {broker: 'default', filters: [{prefix: {type: 'b.'}}]}]);
    expect(after.triggers.map((t) => t.metadata.name)).toEqual(before.triggers.map((t) => t.metadata.name));
    expect(after.triggers.map((t) => t.metadata.name)).toEqual(['hello-default', 'hello-default-2']);
  });

  test('default names count per broker: a subscription on another broker does not shift them', () => {
    const names = (subs: Subscription[]) => eventObjectNames('hello', {subscriptions: subs}).triggers;
    expect(names([{broker: 'default'}, {broker: 'audit'}, {broker: 'default', filters: {type: 'b'}}])).toEqual(['hello-default', 'hello-audit', 'hello-default-2']);
    expect(names([{broker: 'audit'}, {broker: 'default'}, {broker: 'default', filters: {type: 'b'}}])).toEqual(['hello-audit', 'hello-default', 'hello-default-2']);
  });

  test('a named subscription does not take a number from the default ones', () => {
    expect(eventObjectNames('hello', {subscriptions: [{broker: 'default', name: 'orders'}, {broker: 'default'}]}).triggers).toEqual(['hello-orders', 'hello-default']);
  });

  test('schedules: "<function>-schedule-<n>" by position, or the name given; a new one at the end renames none', () => {
    const names = (schedules: Schedule[]) => eventObjectNames('hello', {schedules}).pingSources;
    expect(names([{cron: '@hourly'}, {cron: '@daily', name: 'nightly'}])).toEqual(['hello-schedule-1', 'hello-nightly']);
    expect(names([{cron: '@hourly'}, {cron: '@daily', name: 'nightly'}, {cron: '@weekly'}])).toEqual(['hello-schedule-1', 'hello-nightly', 'hello-schedule-3']);
  });

  test('the same input gives the same objects', () => {
    const subs: Subscription[] = [{broker: 'default', filters: {type: 'a'}}];
    const schedules: Schedule[] = [{cron: '@hourly', data: {a: 1}}];
    expect(manifests(subs, schedules)).toEqual(manifests(structuredClone(subs), structuredClone(schedules)));
  });
});

describe('where events go', () => {
  test('service routing: the Service; route routing: the Route (both addressable)', () => {
    const service = manifests([{broker: 'default'}], [{cron: '@hourly'}]);
    const route = manifests([{broker: 'default'}], [{cron: '@hourly'}], 'route');
    expect(service.triggers[0].spec.subscriber).toEqual({ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello'}});
    expect(service.pingSources[0].spec.sink).toEqual(service.triggers[0].spec.subscriber);
    expect(route.triggers[0].spec.subscriber).toEqual({ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Route', name: 'hello'}});
    expect(route.pingSources[0].spec.sink).toEqual(functionDestination('hello', 'route'));
  });

  test('the broker and the filters: a map is spec.filter, a list spec.filters, none or empty is every event', () => {
    const [map, list, none, empty] = manifests([
      {broker: 'default', filters: {type: 'a', source: '/s'}},
      {broker: 'audit', filters: [{exact: {type: 'a'}}, {not: {prefix: {source: '/test'}}}]},
      {broker: 'default', name: 'all'},
      {broker: 'default', name: 'empty', filters: {}},
    ]).triggers;
    expect(map.spec).toMatchObject({broker: 'default', filter: {attributes: {type: 'a', source: '/s'}}});
    expect(map.spec.filters).toBeUndefined();
    expect(list.spec).toMatchObject({broker: 'audit', filters: [{exact: {type: 'a'}}, {not: {prefix: {source: '/test'}}}]});
    expect(list.spec.filter).toBeUndefined();
    for (const t of [none, empty]) {
      expect(t.spec.filter).toBeUndefined();
      expect(t.spec.filters).toBeUndefined();
    }
  });
});

describe('delivery: a Trigger\'s spec.delivery, in Knative\'s form', () => {
  test('retries and back-off (fn\'s durations as ISO 8601), dead letters to a function, a broker or a URL; none without delivery', () => {
    const [service, broker, url, plain] = manifests([
      {broker: 'default', name: 'a', delivery: {retry: 3, backoffPolicy: 'exponential', backoffDelay: '500ms', deadLetterSink: 'dlq'}},
      {broker: 'default', name: 'b', delivery: {retry: 1, backoffDelay: '1m30s', deadLetterSink: 'broker:dead'}},
      {broker: 'default', name: 'c', delivery: {backoffDelay: 'PT2S', retry: 2, deadLetterSink: 'https://dead.example.test/x'}},
      {broker: 'default', name: 'd'},
    ]).triggers;
    expect(service.spec.delivery).toEqual({retry: 3, backoffPolicy: 'exponential', backoffDelay: 'PT0.5S', deadLetterSink: {ref: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'dlq'}}});
    expect(broker.spec.delivery).toEqual({retry: 1, backoffDelay: 'PT90S', deadLetterSink: {ref: {apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'dead'}}});
    expect(url.spec.delivery).toEqual({retry: 2, backoffDelay: 'PT2S', deadLetterSink: {uri: 'https://dead.example.test/x'}});
    expect(plain.spec).not.toHaveProperty('delivery');
  });

  test('as fn describes it', () => {
    const [a, c] = manifests([
      {broker: 'default', name: 'a', delivery: {retry: 3, backoffPolicy: 'exponential', backoffDelay: '1s', deadLetterSink: 'ksvc:dlq'}},
      {broker: 'default', name: 'c', delivery: {deadLetterSink: 'https://dead.example.test/x'}},
    ]).triggers;
    expect(describeDelivery(a.spec.delivery)).toBe('retry 3 (exponential, PT1S), dead letters to ksvc:dlq');
    expect(describeDelivery(c.spec.delivery)).toBe('dead letters to https://dead.example.test/x');
    expect(describeDelivery(undefined)).toBeUndefined();
  });
});

describe('schedule data', () => {
  const spec = (s: Omit<Schedule, 'cron'>) => manifests([], [{cron: '@hourly', ...s}]).pingSources[0].spec;

  test.each<[string, Omit<Schedule, 'cron'>, {data?: string; contentType?: string}]>([
    ['a map: JSON, application/json', {data: {task: 'sweep', n: [1, 2]}}, {data: '{"task":"sweep","n":[1,2]}', contentType: 'application/json'}],
    ['a string: as it is, text/plain', {data: 'good morning'}, {data: 'good morning', contentType: 'text/plain'}],
    ['a string with its content type', {data: '<a/>', contentType: 'application/xml'}, {data: '<a/>', contentType: 'application/xml'}],
    ['a map with its content type', {data: {a: 1}, contentType: 'application/cloudevents+json'}, {data: '{"a":1}', contentType: 'application/cloudevents+json'}],
    ['a JSON string as application/json: not encoded twice', {data: '{"a": 1}', contentType: 'application/json'}, {data: '{"a": 1}', contentType: 'application/json'}],
    ['no data: neither', {}, {}],
    ['no data, a content type: kept', {contentType: 'text/plain'}, {contentType: 'text/plain'}],
  ])('%s', (_title, schedule, want) => {
    const s = spec(schedule);
    expect({data: s.data, contentType: s.contentType}).toEqual({data: want.data, contentType: want.contentType});
  });

  test('the schedule is trimmed; the time zone is sent when given', () => {
    expect(spec({}).timezone).toBeUndefined();
    const [s] = manifests([], [{cron: '  0 9 * * 1-5 ', timezone: 'Europe/Berlin'}]).pingSources;
    expect(s.spec).toMatchObject({schedule: '0 9 * * 1-5', timezone: 'Europe/Berlin'});
  });
});

describe('labels: how fn finds its objects again', () => {
  test('every object carries the labels eventSelector selects', () => {
    const selector = Object.fromEntries(eventSelector('hello').split(',').map((kv) => kv.split('=')));
    expect(selector).toEqual({'fn.dev/function': 'hello', 'app.kubernetes.io/managed-by': 'fn'});
    const objects = manifests([{broker: 'default'}], [{cron: '@hourly'}]);
    for (const o of [...objects.triggers, ...objects.pingSources]) {
      expect(o.metadata.labels).toEqual(eventLabels('hello'));
      expect(o.metadata.labels).toMatchObject(selector);
      expect(o.metadata.namespace).toBe('shop');
    }
  });

  test('one function\'s selector does not select another\'s objects', () => {
    const other = eventManifests({name: 'hello-2', subscriptions: [{broker: 'default'}]}, {routing: 'service'}).triggers[0];
    expect(other.metadata.labels?.['fn.dev/function']).not.toBe('hello');
    expect(other.metadata.namespace).toBeUndefined();
  });

  test('from fn.yaml to objects: the golden case\'s names', () => {
    const config = parseFunction('name: orders\nruntime: node\nsubscriptions:\n  - broker: default\n  - broker: default\n    filters: {type: a}\n  - broker: audit\n    name: everything\nschedules:\n  - cron: "@hourly"\n');
    const objects = eventManifests(config, {routing: 'service'});
    expect(objects.triggers.map((t) => t.metadata.name)).toEqual(['orders-default', 'orders-default-2', 'orders-everything']);
    expect(objects.pingSources.map((p) => p.metadata.name)).toEqual(['orders-schedule-1']);
  });
});
