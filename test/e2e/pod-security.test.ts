// The revision template fn generates passes Pod Security "restricted": a Pod built from it is
// accepted by a server-side dry run in a namespace that enforces it (and a Pod without fn's
// securityContext is refused there, so the check is real). Needs test/cluster/up.sh.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import type {FunctionConfig} from '../../src/core/function.js';
import {revisionTemplate} from '../../src/core/manifests.js';
import {digest, TestCluster} from '../support/knative-env.js';

const cluster = new TestCluster();
let ns: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-restricted', {'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest'});
});
afterAll(() => cluster.cleanup());

/** The Pod Knative would run for this template's container (probes get the port Knative fills in). */
function podFrom(config: FunctionConfig, withSecurityContext = true) {
  const template = revisionTemplate(config, digest('c3'));
  const container = template.spec.containers[0];
  const port = container.ports![0].containerPort;
  const probe = (p: typeof container.readinessProbe) => p && {...p, httpGet: {...p.httpGet!, port}};
  const {securityContext, ...rest} = container;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: `${config.name}-pod`, labels: template.metadata.labels},
    spec: {
      containers: [{...rest, readinessProbe: probe(container.readinessProbe), livenessProbe: probe(container.livenessProbe), ...(withSecurityContext ? {securityContext} : {})}],
    },
  };
}

const config = {
  name: 'hello',
  runtime: 'node',
  env: [{name: 'A', value: '1'}, {name: 'S', secretKeyRef: {name: 's', key: 'k'}}],
  resources: {limits: {memory: '128Mi'}},
} as FunctionConfig;

test('a Pod from fn\'s template is accepted under enforce=restricted (server-side dry run)', async () => {
  const pod = await cluster.core.createNamespacedPod({namespace: ns, body: podFrom(config) as any, dryRun: 'All'});
  expect(pod.metadata?.name).toBe('hello-pod');
  expect(pod.spec?.containers[0].securityContext).toMatchObject({runAsNonRoot: true, allowPrivilegeEscalation: false});
});

test('the same Pod without fn\'s securityContext is refused there', async () => {
  const refusal = await cluster.core.createNamespacedPod({namespace: ns, body: podFrom(config, false) as any, dryRun: 'All'}).then(
    () => undefined,
    (e: {code?: number; body?: string}) => e,
  );
  expect(refusal?.code).toBe(403);
  expect(JSON.parse(refusal?.body ?? '{}').message).toContain('violates PodSecurity "restricted:latest"');
});
