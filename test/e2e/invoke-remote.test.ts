// Deployed functions really answer: every runtime's http template is built, pushed, deployed to the
// local Knative (pods run by the Docker-backed node) and invoked with `fn invoke --target remote`
// through the ingress, whose address fn discovers from the cluster (the example.test domain resolves
// nowhere, as on a fresh kind/minikube cluster). The cloudevents template answers a CloudEvent.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {lookup} from 'node:dns/promises';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {DOMAIN, TestCluster} from '../support/knative-env.js';
import {clusterFnEnv, initFunction} from '../support/function-project.js';

const TIMEOUT = 900_000;
const cluster = new TestCluster();
let ns: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-invoke');
});
afterAll(() => cluster.cleanup());

test('the function domain does not resolve here (what makes the ingress discovery necessary)', async () => {
  await expect(lookup(`hello.${ns}.${DOMAIN}`)).rejects.toThrow();
});

describe.each(['node', 'typescript', 'python', 'go'])('%s http template', (runtime) => {
  test('fn deploy → fn invoke --target remote answers the greeting through the ingress', async () => {
    const name = `hi-${runtime}`.slice(0, 20);
    const dir = await initFunction(name, runtime);
    const env = clusterFnEnv();
    const deployed = await runFnJson(['deploy', '--path', dir, '-n', ns], {env});
    expect([deployed.exitCode, deployed.stderr]).toEqual([0, '']);
    expect(deployed.json).toMatchObject({ready: true, url: `http://${name}.${ns}.${DOMAIN}`});

    const r = await runFn(['invoke', '--target', 'remote', '--name', name, '-n', ns, '--data', '{"name":"Ada"}', '--verbose'], {env, cwd: dir});
    expectExit(r, 0);
    expect(JSON.parse(r.stdout)).toEqual({message: 'Hello Ada'});
    // It went to the address the cluster publishes, found through the function's KIngress.
    expect(r.stderr).toMatch(new RegExp(`via ${process.env.FN_TESTENV_INGRESS?.replace(/\./g, '\\.')} \\(KIngress ${ns}/${name} → Service knative-serving/fn-testenv-ingress\\)`));
  }, TIMEOUT);
});

test('cloudevents template: a CloudEvent in, the greeting CloudEvent out', async () => {
  const dir = await initFunction('ce-node', 'node', 'cloudevents');
  const env = clusterFnEnv();
  expect((await runFn(['deploy', '--path', dir, '-n', ns], {env})).exitCode).toBe(0);
  const r = await runFnJson(['invoke', '--target', 'remote', '-n', ns, '--cloudevent', '--type', 'com.example.hello', '--source', 'e2e', '--id', 'evt-1', '--data', '{"name":"Grace"}'], {env, cwd: dir});
  expectExit(r, 0);
  expect(r.json.cloudevent).toMatchObject({type: 'com.example.greeting', source: '/ce-node', data: {message: 'Hello Grace', inReplyTo: 'evt-1'}});
}, TIMEOUT);

test('--ingress (and FN_INGRESS) name the address; a wrong one fails saying where it sent', async () => {
  const dir = await initFunction('explicit', 'node');
  const env = clusterFnEnv();
  expect((await runFn(['deploy', '--path', dir, '-n', ns], {env})).exitCode).toBe(0);
  const viaFlag = await runFn(['invoke', '--target', 'remote', '-n', ns, '--ingress', process.env.FN_TESTENV_INGRESS!], {env, cwd: dir});
  expect([viaFlag.exitCode, JSON.parse(viaFlag.stdout)]).toEqual([0, {message: 'Hello world'}]);
  const viaEnv = await runFn(['invoke', '--target', 'remote', '-n', ns], {env: clusterFnEnv({FN_INGRESS: process.env.FN_TESTENV_INGRESS!}), cwd: dir});
  expectExit(viaEnv, 0);
  const wrong = await runFnJson(['invoke', '--target', 'remote', '-n', ns, '--ingress', '127.0.0.1:1'], {env, cwd: dir});
  expectExit(wrong, 8);
  expect(wrong.json.error.message).toContain(`could not reach http://explicit.${ns}.${DOMAIN}/ via 127.0.0.1:1 (--ingress)`);
  expect(wrong.json.error.suggestion).toContain('--ingress HOST[:PORT] / FN_INGRESS');
}, TIMEOUT);
