// fn deploy's failure modes against the real control plane: each has its own exit code and message,
// and none leaves a half-applied change. Needs `npm run build` and test/cluster/up.sh.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {appendFile, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterEnv, digest, missingImage, TestCluster} from '../support/knative-env.js';

const TIMEOUT = 180_000;
const cluster = new TestCluster();
let dir: string;

async function newFunction(name: string, extraYaml = ''): Promise<string> {
  const d = join(await mkdtemp(join(tmpdir(), 'fn-errors-')), name);
  expect((await runFn(['init', d, '--runtime', 'node'])).exitCode).toBe(0);
  if (extraYaml) await appendFile(join(d, 'fn.yaml'), extraYaml);
  return d;
}

beforeAll(async () => {
  dir = await newFunction('hello');
}, TIMEOUT);
afterAll(() => cluster.cleanup());

describe('cluster selection', () => {
  test('an unreachable cluster: exit 7, naming the server', async () => {
    const r = await runFn(['deploy', '--path', dir, '--image', digest('a1'), '-n', 'x'], {env: {KUBECONFIG: cluster.unreachableKubeconfig()}});
    expectExit(r, 7);
    expect(r.stderr).toContain('cannot reach the Kubernetes API at https://127.0.0.1:1');
    expect(r.stderr).toContain('Try:');
  });

  test('an unknown --context: exit 2, listing the contexts', async () => {
    const r = await runFn(['describe', 'hello', '--context', 'nope'], {env: clusterEnv()});
    expectExit(r, 2);
    expect(r.stderr).toMatch(/--context "nope" is not in the kubeconfig\. Contexts: \S+/);
  });

  test('a missing namespace: exit 8, and how to create it', async () => {
    const r = await runFn(['deploy', '--path', dir, '--image', digest('a1'), '-n', 'fn-no-such-namespace'], {env: clusterEnv()});
    expectExit(r, 8);
    expect(r.stderr).toContain('namespace "fn-no-such-namespace" does not exist');
    expect(r.stderr).toContain('kubectl create namespace fn-no-such-namespace');
  });
});

describe('RBAC', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await cluster.namespace('fn-rbac');
  });

  test('a user with no rights: exit 9 with the server\'s reason; nothing created', async () => {
    const kubeconfig = await cluster.serviceAccountKubeconfig(ns, 'nobody');
    const r = await runFn(['deploy', '--path', dir, '--image', digest('a1')], {env: {KUBECONFIG: kubeconfig}});
    expectExit(r, 9);
    expect(r.stderr).toContain(`User "system:serviceaccount:${ns}:nobody" cannot get resource "services" in API group "serving.knative.dev" in the namespace "${ns}"`);
    expect(r.stderr).toContain('kubectl auth can-i get services.serving.knative.dev');
    expect(await cluster.get('services', ns, 'hello')).toBeUndefined();
  }, TIMEOUT);

  test('a read-only user: refused at the write (exit 9, verb patch); nothing created', async () => {
    const kubeconfig = await cluster.serviceAccountKubeconfig(ns, 'reader', ['get', 'list', 'watch']);
    const r = await runFn(['deploy', '--path', dir, '--image', digest('a1')], {env: {KUBECONFIG: kubeconfig}});
    expectExit(r, 9);
    expect(r.stderr).toContain('cannot patch resource "services"');
    expect(await cluster.get('services', ns, 'hello')).toBeUndefined();
    // Reading works for it.
    const list = await runFnJson(['list'], {env: {KUBECONFIG: kubeconfig}});
    expectExit(list, 0);
  }, TIMEOUT);
});

describe('Knative says no', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await cluster.namespace('fn-reject');
  });

  test('a webhook rejection shows Knative\'s message (exit 10); nothing created', async () => {
    const bad = await newFunction('windowed', 'annotations:\n  autoscaling.knative.dev/window: 1s\n');
    const r = await runFn(['deploy', '--path', bad, '--image', digest('a1'), '-n', ns], {env: clusterEnv()});
    expectExit(r, 10);
    expect(r.stderr).toMatch(/the cluster rejected windowed: .*1s.*autoscaling\.knative\.dev\/window/);
    expect(await cluster.get('services', ns, 'windowed')).toBeUndefined();
  }, TIMEOUT);

  test('the same in route mode: both objects are validated first, so neither is created', async () => {
    const bad = await newFunction('windowed-route', 'deploy:\n  routing: route\nannotations:\n  autoscaling.knative.dev/window: 1s\n');
    const r = await runFn(['deploy', '--path', bad, '--image', digest('a1'), '-n', ns], {env: clusterEnv()});
    expectExit(r, 10);
    expect(await cluster.get('configurations', ns, 'windowed-route')).toBeUndefined();
    expect(await cluster.get('routes', ns, 'windowed-route')).toBeUndefined();
  }, TIMEOUT);

  test('a revision whose image is not in the registry is reported with the registry\'s answer (exit 11), and a next step', async () => {
    const failing = await newFunction('broken');
    const r = await runFn(['deploy', '--path', failing, '--image', missingImage(), '-n', ns], {env: clusterEnv()});
    expectExit(r, 11);
    expect(r.stderr).toMatch(/Error: broken failed to become ready — revision broken-[0-9a-f]{10}: .*(ErrImagePull|ImagePullBackOff)/);
    expect(r.stderr).toContain('manifest unknown');
    expect(r.stderr).toMatch(/Try: check that .*exists in the registry/);
  }, TIMEOUT);

  test('a failing new revision leaves the traffic on the good one', async () => {
    const good = await newFunction('steady');
    expect((await runFn(['deploy', '--path', good, '--image', digest('a1'), '-n', ns], {env: clusterEnv()})).exitCode).toBe(0);
    const crashing = digest('a1', {exitCode: 1, message: 'the container exited'});
    const r = await runFn(['deploy', '--path', good, '--image', crashing, '-n', ns], {env: clusterEnv()});
    expectExit(r, 11);
    expect(r.stderr).toMatch(/ExitCode1|exited with code 1/);
    expect(r.stderr).toContain('the container exited');
    const service = await cluster.get('services', ns, 'steady');
    const routed = service?.status?.traffic ?? [];
    expect(routed).toHaveLength(1);
    expect(routed[0].revisionName).toBe(service?.status?.latestReadyRevisionName);
    expect(routed[0].revisionName).not.toBe(service?.status?.latestCreatedRevisionName);
    // Traffic cannot be sent to the failed revision.
    const split = await runFn(['traffic', 'steady', '-n', ns, '--split', `${service?.status?.latestCreatedRevisionName}=10,${routed[0].revisionName}=90`], {env: clusterEnv()});
    expectExit(split, 11);
    expect(split.stderr).toMatch(/ExitCode1|exited with code 1/);
    // Refused before the write: the split is what it was.
    expect(((await cluster.get("services", ns, "steady"))?.spec?.traffic ?? []).map((t: any) => t.percent)).toEqual(service?.spec?.traffic?.map((t: any) => t.percent));
  }, TIMEOUT);
});

describe('field ownership', () => {
  test('a field another manager set last is a conflict naming it (exit 3); --force takes it over', async () => {
    const ns = await cluster.namespace('fn-owner');
    expect((await runFn(['deploy', '--path', dir, '--image', digest('a1'), '-n', ns], {env: clusterEnv()})).exitCode).toBe(0);
    // Someone edits a label fn applies, as `kubectl edit` would.
    await cluster.mergePatch('services', ns, 'hello', {metadata: {labels: {'app.kubernetes.io/name': 'edited'}}}, 'kubectl-edit');
    const before = await cluster.get('services', ns, 'hello');
    const r = await runFn(['deploy', '--path', dir, '--image', digest('b2'), '-n', ns], {env: clusterEnv()});
    expectExit(r, 3);
    expect(r.stderr).toContain('owned by "kubectl-edit"');
    expect(r.stderr).toContain('--force');
    const unchanged = await cluster.get('services', ns, 'hello');
    expect(unchanged?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    const forced = await runFn(['deploy', '--path', dir, '--image', digest('b2'), '-n', ns, '--force'], {env: clusterEnv()});
    expectExit(forced, 0);
    expect((await cluster.get('services', ns, 'hello'))?.metadata.labels?.['app.kubernetes.io/name']).toBe('hello');
  }, TIMEOUT);
});

describe('what is checked before any cluster is contacted', () => {
  test.each([
    [['--image', 'nginx:latest'], 'not pinned by digest'],
    [['--image', digest('a1'), '--tag', 'Bad_Tag'], 'is not a valid tag'],
    [['--image', digest('a1'), '--timeout', 'soon'], 'is not a duration'],
  ])('deploy %j fails with exit 2 even with no cluster', async (args, message) => {
    const r = await runFn(['deploy', '--path', dir, ...args], {env: {KUBECONFIG: '/nonexistent'}});
    expectExit(r, 2);
    expect(r.stderr).toContain(message);
  });

  test('a reserved env name in fn.yaml fails with exit 2 naming it', async () => {
    const d = await newFunction('reserved');
    await writeFile(join(d, 'fn.yaml'), (await readFile(join(d, 'fn.yaml'), 'utf8')) + 'env:\n  - name: K_SERVICE\n    value: x\n');
    const r = await runFn(['deploy', '--path', d, '--image', digest('a1')], {env: {KUBECONFIG: '/nonexistent'}});
    expectExit(r, 2);
    expect(r.stderr).toContain('env[0].name "K_SERVICE" is reserved');
  });
});


