// fn build's failures: each one a clear message, its exit code, and nothing half-done (no
// .fn/build.json, no files left in the function folder). Needs `npm run build` and the Docker test env.
import {beforeAll, describe, expect, jest, test} from '@jest/globals';
import {existsSync} from 'node:fs';
import {mkdtemp, readdir, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv, fnEnv, testImages} from '../support/docker-env.js';

jest.setTimeout(300_000);

let dir: string;
let files: string[];
let registry: string;

beforeAll(async () => {
  registry = `${dockerTestEnv().FN_TEST_REGISTRY}/it`;
  dir = join(await mkdtemp(join(tmpdir(), 'fn-errors-')), 'errors-node');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  files = (await readdir(dir)).sort();
});

/** Nothing recorded, nothing added to the function folder. */
async function expectUntouched() {
  expect(existsSync(join(dir, '.fn/build.json'))).toBe(false);
  // (the failing-step test writes a Dockerfile of its own)
  expect((await readdir(dir)).filter((f) => f !== '.fn' && f !== 'Dockerfile').sort()).toEqual(files);
}

describe('fn build errors', () => {
  test('no Docker daemon with --builder docker: exit 4, naming the socket tried and how to start one', async () => {
    // (without --builder, no engine means the host builder: test/integration/build-host.test.ts)
    const r = await runFn(['build', '--path', dir, '--registry', registry, '--builder', 'docker'], {env: fnEnv({DOCKER_HOST: 'unix:///nonexistent/docker.sock'})});
    expectExit(r, 4);
    expect(r.stderr).toContain('no Docker engine answered at unix:///nonexistent/docker.sock (DOCKER_HOST): no such socket');
    expect(r.stderr).toMatch(/Try: start Docker .*podman/i);
    await expectUntouched();
  });

  test('an invalid image name: exit 2 before anything is built', async () => {
    const r = await runFnJson(['build', '--path', dir, '--image', 'Team/Hello World:1'], {env: fnEnv()});
    expectExit(r, 2);
    expect(r.json.error).toMatchObject({code: 'INVALID_IMAGE', details: {field: '--image', value: 'Team/Hello World:1'}});
    const bad = await runFnJson(['build', '--path', dir, '--registry', registry, '--base-image', 'Node:20'], {env: fnEnv()});
    expectExit(bad, 2);
    expect(bad.json.error.message).toContain('--base-image "Node:20" is not a valid image reference');
    await expectUntouched();
  });

  test('no registry anywhere and --push: exit 2 naming the three ways to set one', async () => {
    const r = await runFn(['build', '--path', dir, '--push'], {env: fnEnv()});
    expectExit(r, 2);
    expect(r.stderr).toContain('Try: pass --registry');
    expect(r.stderr).toContain('FN_REGISTRY');
  });

  test('a base image that does not exist: exit 5, BASE_IMAGE_NOT_FOUND naming it', async () => {
    const missing = `${dockerTestEnv().FN_TEST_REGISTRY}/fn-test/no-such-base:1`;
    const r = await runFnJson(['build', '--path', dir, '--registry', registry, '--base-image', missing, '--builder-image', missing], {env: fnEnv()});
    expectExit(r, 5);
    expect(r.json.error.code).toBe('BASE_IMAGE_NOT_FOUND');
    expect(r.json.error.message).toContain(missing);
    expect(r.json.error.suggestion).toContain('--base-image');
    await expectUntouched();
  });

  test('a failing build step: exit 5, the step and its last lines', async () => {
    const base = testImages('node').base;
    const dockerfile = join(dir, 'Dockerfile');
    await writeFile(dockerfile, `FROM ${base}\nRUN echo "first line of output"\nRUN echo "preparing the failure" && echo "the last words" && exit 3\n`);
    try {
      const r = await runFn(['build', '--path', dir, '--registry', registry], {env: fnEnv()});
      expectExit(r, 5);
      // fn adds a LABEL step (OCI labels) to a project's Dockerfile: 3 of 4.
      expect(r.stderr).toContain('build failed at step 3/4 (RUN echo "preparing the failure"');
      expect(r.stderr).toContain('returned a non-zero code: 3');
      expect(r.stderr).toMatch(/\n {4}preparing the failure\n {4}the last words\n/);
      expect(r.stderr).toContain('Try: fix the error shown above');
      await expectUntouched();
    } finally {
      const {rm} = await import('node:fs/promises');
      await rm(dockerfile);
    }
  });

  test('an unknown Dockerfile path: exit 2', async () => {
    const r = await runFnJson(['build', '--path', dir, '--registry', registry, '--dockerfile', 'nope/Dockerfile'], {env: fnEnv()});
    expectExit(r, 2);
    expect(r.json.error.code).toBe('DOCKERFILE_NOT_FOUND');
  });
});
