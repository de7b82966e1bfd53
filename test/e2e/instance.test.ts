// The local cluster is one instance among several a machine may run (test/cluster/README.md, "A
// second instance"): the node's containers carry the instance they belong to, which is what its
// start-up cleanup and down.sh remove by; and they do not carry the machine-wide label an older
// node or down.sh removed every container by.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import {execFileSync} from 'node:child_process';
import {dockerTestEnv} from '../support/docker-env.js';
import {digest} from '../support/test-image.js';
import {TestCluster} from '../support/knative-env.js';

const cluster = new TestCluster();
let ns: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-instance');
  await cluster.custom.createNamespacedCustomObject({
    group: 'serving.knative.dev',
    version: 'v1',
    namespace: ns,
    plural: 'services',
    body: {apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: {name: 'labelled', namespace: ns}, spec: {template: {spec: {containers: [{image: digest('inst1')}]}}}},
  });
});
afterAll(() => cluster.cleanup());

test("a pod's container is labelled with its instance (FN_TESTENV_DIR), and only with it", async () => {
  const deadline = Date.now() + 90_000;
  let uid: string | undefined;
  while (!uid && Date.now() < deadline) {
    const pods = await cluster.core.listNamespacedPod({namespace: ns, labelSelector: 'serving.knative.dev/service=labelled'});
    uid = pods.items.find((p) => p.status?.containerStatuses?.some((c) => c.name === 'user-container' && c.state?.running))?.metadata?.uid;
    if (!uid) await new Promise((r) => setTimeout(r, 500));
  }
  expect(uid).toBeDefined();
  const env = {...process.env, DOCKER_HOST: dockerTestEnv().DOCKER_HOST};
  const labels = JSON.parse(
    execFileSync('docker', ['inspect', '--format', '{{json .Config.Labels}}', ...execFileSync('docker', ['ps', '-q', '--filter', `label=fn-testenv.pod-uid=${uid}`], {env, encoding: 'utf8'}).trim().split('\n')], {env, encoding: 'utf8'})
      .trim()
      .split('\n')[0],
  ) as Record<string, string>;
  expect(labels['fn-testenv.instance']).toBe(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv');
  expect(labels['fn-testenv.node']).toBeUndefined();
});
