// Golden files: test/unit/golden/<case>/fn.yaml (with its subscriptions and schedules: Triggers, PingSources) (and set-by-others.yaml: the live template's fields
// another field manager set) → manifests.yaml. Regenerate with UPDATE_GOLDEN=1 after an intended
// change, and review the diff.
import {describe, expect, test} from '@jest/globals';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, parseAllDocuments} from 'yaml';
import {parseFunction, type FunctionConfig} from '../../src/core/function.js';
import {eventManifests} from '../../src/core/event-manifests.js';
import {buildManifests, keptFields, renderManifests, routingOf, revisionTemplate, withLiveTemplate, withTraffic, MAX_NAMED_REVISION_FUNCTION_LENGTH, type TemplateFields} from '../../src/core/manifests.js';
import {fnError} from '../support/fn-error.js';

const GOLDEN = join(process.cwd(), 'test/unit/golden');
const IMAGE = `127.0.0.1:5000/fn/hello@sha256:${'a'.repeat(64)}`;

function load(name: string): FunctionConfig {
  return parseFunction(readFileSync(join(GOLDEN, name, 'fn.yaml'), 'utf8'), `${name}/fn.yaml`);
}

describe('golden manifests', () => {
  for (const name of readdirSync(GOLDEN)) {
    test(name, () => {
      const config = load(name);
      const others = join(GOLDEN, name, 'set-by-others.yaml');
      const setByOthers = existsSync(others) ? (parse(readFileSync(others, 'utf8')) as TemplateFields) : undefined;
      const events = eventManifests(config, {namespace: config.namespace, routing: routingOf(config)});
      const out = renderManifests(buildManifests(config, {image: IMAGE, namespace: config.namespace, setByOthers}), [...events.triggers, ...events.pingSources]);
      const file = join(GOLDEN, name, 'manifests.yaml');
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, out);
      expect(out).toBe(readFileSync(file, 'utf8'));
    });
  }
});

describe('manifests', () => {
  const hello = load('minimal');

  test('deterministic: same input, same bytes; unchanged inputs keep the revision name', () => {
    const a = renderManifests(buildManifests(hello, {image: IMAGE}));
    const b = renderManifests(buildManifests(structuredClone(hello), {image: IMAGE}));
    expect(a).toBe(b);
    expect(revisionTemplate(hello, IMAGE).metadata.name).toMatch(/^hello-[0-9a-f]{10}$/);
  });

  test('any template change (image, env, scale) changes the revision name; key order does not', () => {
    const names = new Set([
      revisionTemplate(hello, IMAGE).metadata.name,
      revisionTemplate(hello, IMAGE.replace(/a{64}/, 'b'.repeat(64))).metadata.name,
      revisionTemplate({...hello, env: [{name: 'A', value: '1'}]}, IMAGE).metadata.name,
      revisionTemplate({...hello, scale: {min: 1}}, IMAGE).metadata.name,
    ]);
    expect(names.size).toBe(4);
    const reordered = {labels: {b: '2', a: '1'}, runtime: hello.runtime, name: hello.name} as FunctionConfig;
    const ordered = {name: hello.name, runtime: hello.runtime, labels: {a: '1', b: '2'}} as FunctionConfig;
    expect(revisionTemplate(reordered, IMAGE).metadata.name).toBe(revisionTemplate(ordered, IMAGE).metadata.name);
  });

  test('Service-level labels or Knative annotations do not change the revision name', () => {
    const withRollout = {...hello, annotations: {'serving.knative.dev/rollout-duration': '60s'}};
    expect(revisionTemplate(withRollout, IMAGE).metadata.name).toBe(revisionTemplate(hello, IMAGE).metadata.name);
  });

  describe('template fields another field manager set (kn --concurrency-limit, --scale-min)', () => {
    const kn: TemplateFields = {metadata: {name: 'hello-kn-00002', annotations: {'autoscaling.knative.dev/min-scale': '1'}}, spec: {containerConcurrency: 10}};
    const name = (config: FunctionConfig, others?: TemplateFields) => revisionTemplate(config, IMAGE, others).metadata.name;

    test.each<[string, Partial<FunctionConfig>, TemplateFields | undefined, 'same' | 'differs']>([
      ['none: the name of fn\'s inputs alone (fn manifests gives the same)', {}, undefined, 'same'],
      ['an empty set', {}, {}, 'same'],
      ['only the template name (fn\'s own name wins)', {}, {metadata: {name: 'hello-kn-00002'}}, 'same'],
      ['concurrency and min-scale fn does not set: part of the revision, so of its name', {}, kn, 'differs'],
      ['one more annotation', {}, {metadata: {annotations: {'client.knative.dev/updateTimestamp': '2025-01-01T00:00:00Z'}}}, 'differs'],
      ['fields fn sets itself are fn\'s (scale.min, scale.concurrency): the name of fn\'s inputs', {scale: {min: 2, concurrency: 5}}, kn, 'same'],
      ['containers are one atomic list: fn sends it, so another manager\'s env in it does not stay', {}, {spec: {containers: [{name: 'function', env: [{name: 'X', value: '1'}]}]}}, 'same'],
    ])('%s', (_title, change, others, expected) => {
      const config = {...hello, ...change};
      expect(name(config, others) === name(config)).toBe(expected === 'same');
    });

    test('what other managers set is not sent (it stays theirs); the name is stable for the same fields', () => {
      const template = revisionTemplate(hello, IMAGE, kn);
      expect(template.spec.containerConcurrency).toBeUndefined();
      expect(template.metadata.annotations).toBeUndefined();
      expect(template.metadata.name).not.toBe('hello-kn-00002');
      expect(name(hello, structuredClone(kn))).toBe(template.metadata.name);
      expect(keptFields(kn, template)).toEqual({metadata: {annotations: {'autoscaling.knative.dev/min-scale': '1'}}, spec: {containerConcurrency: 10}});
    });

    test('an unchanged deploy re-sends the live template without the fields other managers set', () => {
      const manifests = buildManifests(hello, {image: IMAGE, setByOthers: kn});
      const live = {...structuredClone(manifests.routing === 'service' ? manifests.service.spec.template : {metadata: {}, spec: {containers: []}}), spec: {containerConcurrency: 10, timeoutSeconds: 300, containers: []}};
      live.metadata.annotations = {'autoscaling.knative.dev/min-scale': '1'};
      const sent = withLiveTemplate(manifests, live, kn);
      expect(sent.routing === 'service' && sent.service.spec.template.spec).toEqual({timeoutSeconds: 300, containers: []});
      expect(sent.routing === 'service' && sent.service.spec.template.metadata.annotations).toBeUndefined();
    });
  });

  test('the securityContext passes Pod Security "restricted"', () => {
    const container = revisionTemplate(hello, IMAGE).spec.containers[0];
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: {drop: ['ALL']},
      seccompProfile: {type: 'RuntimeDefault'},
    });
    expect(container.readinessProbe?.httpGet?.path).toBe('/health/readiness');
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/liveness');
  });

  test('route mode: the Route follows the Configuration by name; traffic is replaceable', () => {
    const m = buildManifests(hello, {image: IMAGE, routing: 'route'});
    expect(m.routing).toBe('route');
    if (m.routing !== 'route') return;
    expect(m.route.spec.traffic).toEqual([{configurationName: 'hello', latestRevision: true, percent: 100}]);
    const pinned = withTraffic(m, [{revisionName: 'hello-x', latestRevision: false, percent: 100}]);
    expect(pinned.routing === 'route' && pinned.route.spec.traffic).toEqual([{revisionName: 'hello-x', latestRevision: false, percent: 100}]);
    expect(parseAllDocuments(renderManifests(m)).map((d) => d.get('kind'))).toEqual(['Configuration', 'Route']);
  });

  test('very long names leave the revision name to the server', () => {
    const long = {...hello, name: 'a'.repeat(MAX_NAMED_REVISION_FUNCTION_LENGTH + 1)};
    expect(revisionTemplate(long, IMAGE).metadata.name).toBeUndefined();
  });

  test.each<[string, Partial<FunctionConfig>, string, string]>([
    ['reserved env', {env: [{name: 'PORT', value: '1'}]}, 'RESERVED_ENV', 'env[0].name "PORT" is reserved'],
    ['two env sources', {env: [{name: 'A', value: '1', secretKeyRef: {name: 's', key: 'k'}}]}, 'INVALID_ENV', 'env[0] (A) sets more than one'],
    ['envFrom with both', {envFrom: [{secretRef: 'a', configMapRef: 'b'}]}, 'INVALID_ENV_FROM', 'envFrom[0] must set exactly one'],
    ['min above max', {scale: {min: 5, max: 2}}, 'INVALID_SCALE', 'scale.min (5) is greater than scale.max (2)'],
  ])('%s is refused, naming the field', (_t, change, code, message) => {
    const e = fnError(() => buildManifests({...hello, ...change}, {image: IMAGE}));
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(message);
  });

  // What the API server (or the kubelet) refuses, refused before a build, an apply or a wait.
  test.each<[string, Partial<FunctionConfig>, string, string]>([
    ['a memory that is no quantity', {resources: {limits: {memory: 'lots'}}}, 'INVALID_QUANTITY', 'resources.limits.memory "lots" is not a Kubernetes quantity'],
    ['an upper-case kilo', {resources: {requests: {cpu: '1K'}}}, 'INVALID_QUANTITY', 'resources.requests.cpu "1K" is not a Kubernetes quantity'],
    ['a unit with a space', {resources: {requests: {memory: '128 Mi'}}}, 'INVALID_QUANTITY', 'resources.requests.memory "128 Mi"'],
    ['a negative quantity', {resources: {requests: {'ephemeral-storage': '-1Gi'}}}, 'INVALID_QUANTITY', 'resources.requests.ephemeral-storage "-1Gi" is negative'],
    ['a request above its limit', {resources: {requests: {memory: '512Mi'}, limits: {memory: '256Mi'}}}, 'REQUEST_ABOVE_LIMIT', 'resources.requests.memory (512Mi) is above resources.limits.memory (256Mi)'],
    ['a request above its limit in other units', {resources: {requests: {cpu: '1.5'}, limits: {cpu: '1200m'}}}, 'REQUEST_ABOVE_LIMIT', 'resources.requests.cpu (1.5) is above resources.limits.cpu (1200m)'],
    ['1.1Gi above 1G', {resources: {requests: {memory: '1.1Gi'}, limits: {memory: '1G'}}}, 'REQUEST_ABOVE_LIMIT', 'resources.requests.memory (1.1Gi)'],
    ['a label key with a space', {labels: {'my team': 'web'}}, 'INVALID_LABEL', 'labels["my team"] key "my team" needs a name of letters, digits'],
    ['a label key prefix that is no DNS subdomain', {labels: {'Example.com/team': 'web'}}, 'INVALID_LABEL', 'key "Example.com/team" has the prefix "Example.com", which is not a DNS subdomain'],
    ['a label key with two slashes', {labels: {'a/b/c': 'x'}}, 'INVALID_LABEL', "has more than one '/'"],
    ['a label name over 63', {labels: {['k'.repeat(64)]: 'x'}}, 'INVALID_LABEL', 'has a name part of 64 characters (at most 63)'],
    ['a label value with a space', {labels: {team: 'web team'}}, 'INVALID_LABEL', 'labels.team value "web team" may hold only letters'],
    ['a label value over 63', {labels: {team: 'v'.repeat(64)}}, 'INVALID_LABEL', 'labels.team value "' + 'v'.repeat(64) + '" is 64 characters long'],
    ['a label value ending in a dash', {labels: {team: 'web-'}}, 'INVALID_LABEL', 'labels.team value "web-"'],
    ['an annotation key ending in a dot', {annotations: {'owner.': 'ada'}}, 'INVALID_ANNOTATION', 'annotations["owner."] key "owner."'],
    ['annotations over 256 KiB', {annotations: {notes: 'x'.repeat(256 * 1024)}}, 'INVALID_ANNOTATION', 'annotations hold 262149 bytes; Kubernetes allows at most 262144'],
    ['two env entries of one name', {env: [{name: 'A', value: '1'}, {name: 'B', value: '2'}, {name: 'A', value: '3'}]}, 'DUPLICATE_ENV', 'env[2].name "A" is already set by env[0]'],
    ['a bad namespace in fn.yaml', {namespace: 'Bad_NS'}, 'INVALID_NAMESPACE', 'namespace "Bad_NS" is not a valid namespace'],
  ])('%s is refused, naming the field', (_t, change, code, message) => {
    const e = fnError(() => buildManifests({...hello, ...change}, {image: IMAGE}));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code, exitCode: 2});
    expect(e.message).toContain(message);
  });

  test('valid quantities, label keys and values pass as written', () => {
    const config: FunctionConfig = {
      ...hello,
      resources: {requests: {cpu: 0.5, memory: '1G', 'ephemeral-storage': '.5Gi'}, limits: {cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1e9'}},
      labels: {'app.kubernetes.io/part-of': 'shop', team: '', 'x_y.z-1': 'A.b_c-9'},
      annotations: {'Example.com/Owner': 'free text, any length: ' + 'x'.repeat(1000)},
    };
    const container = revisionTemplate(config, IMAGE).spec.containers[0];
    expect(container.resources).toEqual({requests: {cpu: '0.5', 'ephemeral-storage': '.5Gi', memory: '1G'}, limits: {cpu: '500m', 'ephemeral-storage': '1e9', memory: '1Gi'}});
  });

  test('a namespace that is no DNS label is refused before any object is made', () => {
    const e = fnError(() => buildManifests(hello, {image: IMAGE, namespace: 'Bad_NS'}));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'INVALID_NAMESPACE', exitCode: 2});
  });

  test.each(['nginx', 'nginx:latest', 'reg/x@sha256:abc', `reg/x:tag@sha1:${'a'.repeat(64)}`])('image %s (not pinned by digest) is refused', (image) => {
    const e = fnError(() => buildManifests(hello, {image}));
    expect(e.code).toBe('IMAGE_NOT_PINNED');
    expect(e.message).toContain(`"${image}"`);
  });
});
