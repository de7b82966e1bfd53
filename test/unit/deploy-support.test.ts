// Pure pieces around deploy/traffic: which function a command means, the remote URL, when a wait is
// over and what the failure says, revisions joined with traffic, prune plans, and API error mapping.
import {describe, expect, test} from '@jest/globals';
import {apiErrorToFnError, conflictManagers} from '../../src/adapters/knative/api-errors.js';
import {KubeApiError} from '../../src/adapters/knative/kube-api-error.js';
import {extractApplied} from '../../src/adapters/knative/managed-fields.js';
import {fromService} from '../../src/adapters/knative/knative-cluster.js';
import type {KnativeService} from '../../src/core/knative.js';
import type {FunctionConfig} from '../../src/core/function.js';
import {parseFunctionIdentity, resolveFunctionRef} from '../../src/core/function-target.js';
import type {DeployedFunction, RevisionInfo} from '../../src/core/ports.js';
import {ConditionsSeen, deployOutcome, newConditionLines, notReadyError, trafficOutcome} from '../../src/core/readiness.js';
import {remoteUrl} from '../../src/core/remote-url.js';
import {prunePlan, revisionRows} from '../../src/core/revisions.js';
import {deployedFunction} from '../support/deployed-function.js';
import {fnError} from '../support/fn-error.js';

const config = {name: 'hello', runtime: 'node', namespace: 'team', deploy: {routing: 'route'}} as FunctionConfig;

const deployed = (over: Partial<DeployedFunction> = {}): DeployedFunction => deployedFunction(over);

describe('resolveFunctionRef (name resolution)', () => {
  test.each<[string, Parameters<typeof resolveFunctionRef>[0], ReturnType<typeof resolveFunctionRef>]>([
    ['fn.yaml alone: its name, namespace and routing', {config}, {name: 'hello', namespace: 'team', routing: 'route'}],
    ['flags win over fn.yaml', {config, namespace: 'prod', routing: 'service'}, {name: 'hello', namespace: 'prod', routing: 'service'}],
    ['a name with no fn.yaml: the context namespace, routing detected', {name: 'other'}, {name: 'other', namespace: 'ctx-ns'}],
    ['another function than fn.yaml\'s: fn.yaml\'s namespace does not apply', {name: 'other', config}, {name: 'other', namespace: 'ctx-ns'}],
    ['the same name as fn.yaml: its namespace applies', {name: 'hello', config}, {name: 'hello', namespace: 'team', routing: 'route'}],
  ])('%s', (_t, input, expected) => {
    expect(resolveFunctionRef(input, 'ctx-ns')).toEqual(expected);
  });

  test('no name and no fn.yaml is a usage error', () => {
    const e = fnError(() => resolveFunctionRef({}, 'default'));
    expect(e.code).toBe('NO_FUNCTION_NAME');
    expect(e.exitCode).toBe(2);
  });

  test('an invalid name is refused with a fix', () => {
    expect(fnError(() => resolveFunctionRef({name: 'Hello_World'}, 'default')).suggestion).toContain('hello-world');
  });
});

describe('parseFunctionIdentity (fn.yaml for commands that only find the function)', () => {
  test('name, namespace and routing; other keys are not checked here', () => {
    expect(parseFunctionIdentity('name: hello\nnamespace: team\ndeploy: {routing: route}\nscale: {min: oops}\n', 'fn.yaml')).toEqual({name: 'hello', namespace: 'team', deploy: {routing: 'route'}});
  });
  test.each([
    ['runtime: node\n', 'name is required'],
    ['name: Hello_World\n', 'is not a valid function name'],
    ['name: hello\ndeploy: {routing: mesh}\n', 'deploy.routing must be one of: service, route'],
    ['name: [unclosed\n', 'fn.yaml'],
  ])('%j is refused (exit 2)', (text, message) => {
    const e = fnError(() => parseFunctionIdentity(text, 'fn.yaml'));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(message);
  });
});

describe('remoteUrl (fn invoke --target remote)', () => {
  const fn = deployed({statusTraffic: [{revisionName: 'hello-00001', percent: 0, tag: 'v1', url: 'http://v1-hello.team.example.test'}, {latestRevision: true, revisionName: 'hello-00002', percent: 100}]});
  test('the URL, or a tag\'s URL', () => {
    expect(remoteUrl(fn)).toBe('http://hello.team.example.test');
    expect(remoteUrl(fn, 'v1')).toBe('http://v1-hello.team.example.test');
  });
  test('an unknown tag lists the tags; no URL yet says why', () => {
    expect(fnError(() => remoteUrl(fn, 'v9')).message).toContain('Tags: v1');
    expect(fnError(() => remoteUrl(deployed({url: undefined}))).code).toBe('NO_URL');
  });
});

describe('readiness', () => {
  test('deploy: ready only when observed, Ready and the expected revision is the latest ready', () => {
    expect(deployOutcome(deployed(), 'hello-00002')).toBe('ready');
    expect(deployOutcome(deployed({observed: false}), 'hello-00002')).toBe('pending');
    expect(deployOutcome(deployed({latestCreatedRevisionName: 'hello-00001'}), 'hello-00002')).toBe('pending');
    // Ready, and the revision is the latest ready, but the route still serves the one before: not yet.
    expect(deployOutcome(deployed({statusTraffic: [{revisionName: 'hello-00001', percent: 100}]}), 'hello-00002')).toBe('pending');
    const failed = deployed({conditions: [{type: 'Ready', status: 'False', reason: 'RevisionFailed', message: 'Revision "hello-00002" failed'}]});
    expect(deployOutcome(failed, 'hello-00002')).toBe('failed');
    // A route naming a revision not created yet says RevisionMissing (False) for a moment: not a failure.
    const missing = deployed({conditions: [{type: 'RoutesReady', status: 'False', reason: 'RevisionMissing'}, {type: 'Ready', status: 'False', reason: 'RevisionMissing'}]});
    expect(deployOutcome(missing, 'hello-00002')).toBe('pending');
  });

  test('traffic: settled status.traffic and a ready route', () => {
    expect(trafficOutcome(deployed())).toBe('ready');
    expect(trafficOutcome(deployed({statusTraffic: [{revisionName: 'hello-00001', percent: 100}]}))).toBe('pending');
    expect(trafficOutcome(deployed({conditions: [{type: 'RoutesReady', status: 'False', reason: 'RevisionMissing'}]}))).toBe('pending');
    expect(trafficOutcome(deployed({conditions: [{type: 'RoutesReady', status: 'False', reason: 'RevisionFailed'}]}))).toBe('failed');
  });

  test('condition lines are printed once per change: Ready, and others when False', () => {
    const seen = new ConditionsSeen();
    expect(newConditionLines(deployed({conditions: [{type: 'Ready', status: 'Unknown', reason: 'Deploying'}]}), seen)).toEqual(['Ready: Unknown Deploying']);
    expect(newConditionLines(deployed(), seen)).toEqual(['Ready: True']);
    expect(newConditionLines(deployed(), seen)).toHaveLength(0);
  });

  test('a failure names the revision\'s reason and message and one next step — never a bare "not ready"', () => {
    const fn = deployed({conditions: [{type: 'ConfigurationsReady', status: 'False', reason: 'RevisionFailed'}, {type: 'Ready', status: 'False', reason: 'RevisionFailed'}]});
    const revision: RevisionInfo = {name: 'hello-00002', ready: 'False', reason: 'ImagePullBackOff', message: 'the image could not be pulled', image: 'reg/x@sha256:1'};
    const e = notReadyError(fn, revision, false, 300);
    expect(e.code).toBe('NOT_READY');
    expect(e.exitCode).toBe(11);
    expect(e.message).toBe('hello failed to become ready — revision hello-00002: ImagePullBackOff: the image could not be pulled');
    expect(e.suggestion).toContain('reg/x@sha256:1');
    const t = notReadyError(deployed({conditions: [{type: 'Ready', status: 'Unknown', reason: 'Deploying', message: 'waiting'}]}), undefined, true, 90);
    expect(t.exitCode).toBe(12);
    expect(t.message).toBe('hello was not ready after 90s — Ready: Deploying: waiting');
    expect(t.suggestion).toContain('--timeout');
  });
});

describe('revisions', () => {
  const revisions: RevisionInfo[] = [
    {name: 'hello-00004', ready: 'True'},
    {name: 'hello-00003', ready: 'True'},
    {name: 'hello-00002', ready: 'True'},
    {name: 'hello-00001', ready: 'True'},
  ];
  const fn = deployed({
    traffic: [{revisionName: 'hello-00003', percent: 90}, {latestRevision: true, percent: 10}, {revisionName: 'hello-00001', percent: 0, tag: 'old'}],
    statusTraffic: [
      {revisionName: 'hello-00003', percent: 90},
      {latestRevision: true, revisionName: 'hello-00004', percent: 10},
      {revisionName: 'hello-00001', percent: 0, tag: 'old', url: 'http://old-hello.team.example.test'},
    ],
    latestCreatedRevisionName: 'hello-00004',
    latestReadyRevisionName: 'hello-00004',
  });

  test('rows carry tags and the routed percent', () => {
    const rows = revisionRows(fn, revisions);
    expect(rows.map((r) => [r.name, r.traffic, r.tags.join(',')])).toEqual([
      ['hello-00004', 10, ''],
      ['hello-00003', 90, ''],
      ['hello-00002', 0, ''],
      ['hello-00001', 0, 'old'],
    ]);
    expect(rows[0].latestCreated).toBe(true);
  });

  test('prune never touches routed, tagged or latest revisions; --keep keeps the newest others', () => {
    expect(prunePlan(fn, revisions, 0).delete.map((r) => r.name)).toEqual(['hello-00002']);
    expect(prunePlan(fn, revisions, 1).delete).toEqual([]);
    expect(fnError(() => prunePlan(fn, revisions, -1)).code).toBe('INVALID_KEEP');
  });
});

describe('managed fields extraction (traffic writes keep what fn applied)', () => {
  const live = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: 'hello',
      labels: {'app.kubernetes.io/managed-by': 'fn', other: 'x'},
      managedFields: [
        {
          manager: 'fn',
          operation: 'Apply',
          fieldsV1: {
            'f:metadata': {'f:labels': {'f:app.kubernetes.io/managed-by': {}}},
            'f:spec': {
              'f:template': {'f:metadata': {'f:name': {}}, 'f:spec': {'f:containers': {}, 'f:env': {'k:{"name":"A"}': {'.': {}, 'f:name': {}, 'f:value': {}}}}},
              'f:traffic': {},
            },
          },
        },
        {manager: 'kubectl', operation: 'Update', fieldsV1: {'f:metadata': {'f:labels': {'f:other': {}}}}},
      ],
    },
    spec: {
      template: {
        metadata: {name: 'hello-abc', annotations: {x: '1'}},
        spec: {containers: [{name: 'function', image: 'i'}], env: [{name: 'A', value: '1'}, {name: 'B', value: '2'}], timeoutSeconds: 300},
      },
      traffic: [{latestRevision: true, percent: 100}],
    },
  };

  test('only the manager\'s fields, with list keys', () => {
    expect(extractApplied(live, 'fn')).toEqual({
      metadata: {labels: {'app.kubernetes.io/managed-by': 'fn'}},
      spec: {
        template: {metadata: {name: 'hello-abc'}, spec: {containers: [{name: 'function', image: 'i'}], env: [{name: 'A', value: '1'}]}},
        traffic: [{latestRevision: true, percent: 100}],
      },
    });
    expect(extractApplied(live, 'nobody')).toBeUndefined();
  });
});

describe('field ownership read from managedFields (what fn deploy keeps and names)', () => {
  // As the API server recorded it after fn deploy, then kn service update --concurrency-limit 10
  // --scale-min 1 --revision-name … (an Update), then a traffic edit by kn.
  const service = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name: 'hello',
      namespace: 'default',
      managedFields: [
        {manager: 'fn', operation: 'Apply', fieldsV1: {'f:spec': {'f:template': {'f:metadata': {'f:labels': {'f:app.kubernetes.io/name': {}}}, 'f:spec': {'f:containers': {}}}}}},
        {manager: 'kn', operation: 'Update', fieldsV1: {'f:spec': {'f:template': {'f:metadata': {'f:annotations': {'.': {}, 'f:autoscaling.knative.dev/min-scale': {}}, 'f:name': {}}, 'f:spec': {'f:containerConcurrency': {}}}, 'f:traffic': {}}}},
        {manager: 'controller', operation: 'Update', subresource: 'status', fieldsV1: {'f:status': {'f:traffic': {}}}},
      ],
    },
    spec: {
      template: {
        metadata: {name: 'hello-kn-00002', labels: {'app.kubernetes.io/name': 'hello'}, annotations: {'autoscaling.knative.dev/min-scale': '1'}},
        spec: {containerConcurrency: 10, timeoutSeconds: 300, containers: [{name: 'function', image: 'i'}]},
      },
      traffic: [{latestRevision: true, percent: 100}],
    },
  } as unknown as KnativeService;

  test('the template fields other managers set (status aside), and who owns spec.traffic', () => {
    const fn = fromService(service);
    expect(fn.templateSetByOthers).toEqual({metadata: {annotations: {'autoscaling.knative.dev/min-scale': '1'}, name: 'hello-kn-00002'}, spec: {containerConcurrency: 10}});
    expect(fn.trafficOwners).toEqual(['kn']);
  });

  test('fn alone: nothing set by others, fn owns the split; an object without managedFields says nothing', () => {
    const own = {...service, metadata: {...service.metadata, managedFields: [{manager: 'fn', operation: 'Apply', fieldsV1: {'f:spec': {'f:traffic': {}}}}]}} as unknown as KnativeService;
    expect(fromService(own)).toMatchObject({trafficOwners: ['fn']});
    expect(fromService(own).templateSetByOthers).toBeUndefined();
    expect(fromService({...service, metadata: {name: 'hello'}} as KnativeService).trafficOwners).toBeUndefined();
  });
});

describe('API errors', () => {
  const attempt = {verb: 'patch', resource: 'services.serving.knative.dev', namespace: 'team', name: 'hello', context: 'test'};
  const api = (code: number, status: object) => apiErrorToFnError(new KubeApiError(code, status, 'PATCH', '/x'), attempt);

  test.each<[string, number, object, string, number, string]>([
    ['RBAC', 403, {message: 'services.serving.knative.dev "hello" is forbidden: User "u" cannot patch resource "services"'}, 'FORBIDDEN', 9, 'kubectl auth can-i patch'],
    ['credentials', 401, {message: 'Unauthorized'}, 'UNAUTHORIZED', 9, 'log in again'],
    ['missing namespace', 404, {message: 'namespaces "nope" not found', details: {name: 'nope', kind: 'namespaces'}}, 'NAMESPACE_NOT_FOUND', 8, 'kubectl create namespace nope'],
    ['no Knative', 404, {message: 'the server could not find the requested resource'}, 'KNATIVE_NOT_INSTALLED', 8, 'install Knative'],
    [
      'webhook rejection keeps Knative\'s message',
      400,
      {message: 'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: expected 0 <= 1001 <= 1000: spec.template.spec.containerConcurrency'},
      'REJECTED',
      10,
      'fix the value',
    ],
    ['apply conflict names the manager', 409, {message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using serving.knative.dev/v1: .spec.template.spec.containers'}, 'FIELD_CONFLICT', 3, '--force'],
    ['stale resourceVersion', 409, {message: 'Operation cannot be fulfilled on services.serving.knative.dev "hello": the object has been modified'}, 'STALE_OBJECT', 3, 'again'],
  ])('%s', (_t, code, status, fnCode, exit, hint) => {
    const e = api(code, status);
    expect(e.code).toBe(fnCode);
    expect(e.exitCode).toBe(exit);
    expect(`${e.message} ${e.suggestion}`).toContain(hint);
  });

  test('the webhook message is shown without the webhook boilerplate', () => {
    const e = api(400, {message: 'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: bad thing: spec.x'});
    expect(e.message).toBe('the cluster rejected hello: validation failed: bad thing: spec.x');
  });

  test('conflictManagers', () => {
    expect(conflictManagers('Apply failed with 2 conflicts: conflict with "kn" using v1: .a\nconflict with "kubectl" using v1: .b')).toEqual(['kn', 'kubectl']);
  });
});
