// Golden files: test/unit/golden/<case>/fn.yaml (and set-by-others.yaml: the live template's fields
// another field manager set) → manifests.yaml. Regenerate with UPDATE_GOLDEN=1 after an intended
// change, and review the diff.
import {describe, expect, test} from '@jest/globals';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse, parseAllDocuments} from 'yaml';
import {parseFunction, type FunctionConfig} from '../../src/core/function.js';
import {buildManifests, keptFields, renderManifests, revisionTemplate, withLiveTemplate, withTraffic, MAX_NAMED_REVISION_FUNCTION_LENGTH, type TemplateFields} from '../../src/core/manifests.js';
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
      const out = renderManifests(buildManifests(config, {image: IMAGE, namespace: config.namespace, setByOthers}));
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

  test.each(['nginx', 'nginx:latest', 'reg/x@sha256:abc', `reg/x:tag@sha1:${'a'.repeat(64)}`])('image %s (not pinned by digest) is refused', (image) => {
    const e = fnError(() => buildManifests(hello, {image}));
    expect(e.code).toBe('IMAGE_NOT_PINNED');
    expect(e.message).toContain(`"${image}"`);
  });
});
