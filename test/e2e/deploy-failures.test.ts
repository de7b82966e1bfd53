// Real deploy failures on the Docker-backed node, each reported within seconds (not after the 300 s
// default --timeout) with exit code 11, the reason and a next step: fn watches the new revision's
// pods, their events and its Deployment while it waits.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import {appendFile, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv, freePort} from '../support/docker-env.js';
import {TestCluster} from '../support/knative-env.js';
import {clusterFnEnv, initFunction} from '../support/function-project.js';

const TIMEOUT = 600_000;
/** What the issue asks: each failure reported in under 30 s with the default timeout. */
const REPORTED_WITHIN_MS = 30_000;
const cluster = new TestCluster();
let ns: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-fail');
});
afterAll(() => cluster.cleanup());

/** `fn deploy --json`, timed from when the image exists (so the build does not count). */
async function deployTimed(args: string[], namespace = ns): Promise<{exitCode: number; error: any; ms: number}> {
  const started = Date.now();
  const r = await runFnJson(['deploy', ...args, '-n', namespace], {env: clusterFnEnv()});
  return {exitCode: r.exitCode, error: r.json.error, ms: Date.now() - started};
}

test('an image that does not exist in the registry: ErrImagePull/ImagePullBackOff with the registry\'s answer', async () => {
  const dir = await initFunction('noimage', 'node');
  const image = `${dockerTestEnv().FN_TEST_REGISTRY}/e2e/never-pushed@sha256:${'e'.repeat(64)}`;
  const r = await deployTimed(['--path', dir, '--image', image]);
  expectExit(r, 11);
  expect(r.error.code).toBe('REVISION_FAILED');
  expect(r.error.message).toMatch(/revision noimage-[0-9a-f]+: (ErrImagePull|ImagePullBackOff): the image cannot be pulled/);
  expect(r.error.message).toContain(image);
  expect(r.error.message).toMatch(/manifest unknown|not found/);
  expect(r.error.suggestion).toContain(`check that the image exists in the registry (${image})`);
  expect(r.ms).toBeLessThan(REPORTED_WITHIN_MS);
}, TIMEOUT);

test('a function that throws at import time: its exit code and last log lines', async () => {
  const dir = await initFunction('crashes', 'node');
  const index = join(dir, 'index.js');
  await writeFile(index, `throw new Error('boom at import: DATABASE_URL is not set');\n${await readFile(index, 'utf8')}`);
  // Build and push first, so the time measured is the deploy's wait alone.
  const build = await runFnJson(['build', '--path', dir, '--push'], {env: clusterFnEnv()});
  expectExit(build, 0);
  const r = await deployTimed(['--path', dir]);
  expectExit(r, 11);
  expect(r.error.message).toMatch(/revision crashes-[0-9a-f]+: (ExitCode1|CrashLoopBackOff): the function's container exited with code 1/);
  expect(r.error.message).toContain('last log lines:');
  expect(r.error.message).toContain('boom at import: DATABASE_URL is not set');
  expect(r.error.details).toMatchObject({exitCode: 1, logTail: expect.arrayContaining([expect.stringContaining('boom at import')])});
  expect(r.error.suggestion).toMatch(/fn logs crashes -n \S+ --revision crashes-/);
  expect(r.ms).toBeLessThan(REPORTED_WITHIN_MS);
}, TIMEOUT);

test('a function listening on the wrong port: the failing readiness probe and the port Knative expects', async () => {
  const dir = await initFunction('wrongport', 'node');
  // The project's own Dockerfile: a server on a fixed port that ignores $PORT.
  const port = await freePort();
  await writeFile(join(dir, 'Dockerfile'), `FROM ${dockerTestEnv().FN_TEST_BASE_NODE}\nCOPY server.cjs /server.cjs\nCMD ["node", "/server.cjs"]\n`);
  await writeFile(join(dir, 'server.cjs'), `require('http').createServer((q, r) => r.end('hi')).listen(${port}, () => console.log('listening on ${port}, not on $PORT'));\n`);
  expect((await runFnJson(['build', '--path', dir, '--push'], {env: clusterFnEnv()})).exitCode).toBe(0);
  const r = await deployTimed(['--path', dir]);
  expectExit(r, 11);
  expect(r.error.message).toMatch(/ReadinessProbeFailed: the container runs, but its readiness probe has kept failing for \d+s: Readiness probe failed: .*/);
  expect(r.error.message).toContain('Knative sends requests to port 8080 (the PORT environment variable)');
  expect(r.error.suggestion).toContain('listen on the port in $PORT (8080)');
  expect(r.ms).toBeLessThan(REPORTED_WITHIN_MS);
}, TIMEOUT);

// fn.yaml's own requests above its limits are refused before the build (test/integration/bad-input);
// a namespace's LimitRange default limit below the request is known only to the cluster.
test('requests above the namespace\'s default limit: the cluster\'s validation message, from the Revision\'s events', async () => {
  const limited = await cluster.namespace('fn-limits');
  await cluster.core.createNamespacedLimitRange({namespace: limited, body: {metadata: {name: 'memory'}, spec: {limits: [{type: 'Container', _default: {memory: '256Mi'}}]}}});
  const dir = await initFunction('toobig', 'node');
  await appendFile(join(dir, 'fn.yaml'), 'resources: {requests: {memory: 512Mi}}\n');
  expect((await runFnJson(['build', '--path', dir, '--push'], {env: clusterFnEnv()})).exitCode).toBe(0);
  const r = await deployTimed(['--path', dir], limited);
  expectExit(r, 11);
  expect(r.error.message).toMatch(/revision toobig-[0-9a-f]+: (InternalError|FailedCreate|ReplicaFailure)/);
  expect(r.error.message).toContain('must be less than or equal to memory limit');
  expect(r.error.suggestion).toContain('requests must not be above limits');
  expect(r.ms).toBeLessThan(REPORTED_WITHIN_MS);
}, TIMEOUT);
