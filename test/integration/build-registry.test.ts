// Pushing with the user's credentials to the TLS + basic-auth registry: config.json `auths`, a
// docker-credential-* helper, a refused password (no secret printed), an unreachable registry.
// Needs `npm run build` and `bash test/env/docker-up.sh`.
import {beforeAll, describe, expect, jest, test} from '@jest/globals';
import {chmod, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv, fnEnv, freePort, testImages} from '../support/docker-env.js';

jest.setTimeout(600_000);

async function dockerConfig(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fn-docker-config-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('the TLS registry with basic auth', () => {
  let dir: string;
  let buildArgs: string[];

  beforeAll(async () => {
    const env = dockerTestEnv();
    dir = join(await mkdtemp(join(tmpdir(), 'fn-registry-')), 'secure-node');
    expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
    const images = testImages('node');
    buildArgs = ['build', '--path', dir, '--registry', `${env.FN_TEST_SECURE_REGISTRY}/it`, '--push', '--base-image', images.base, '--builder-image', images.builder];
  });

  test('credentials from config.json auths', async () => {
    const env = dockerTestEnv();
    const config = await dockerConfig({auths: {[`https://${env.FN_TEST_SECURE_REGISTRY}`]: {auth: basic(env.FN_TEST_SECURE_REGISTRY_USER, env.FN_TEST_SECURE_REGISTRY_PASSWORD)}}});
    const r = await runFnJson(buildArgs, {env: fnEnv({DOCKER_CONFIG: config})});
    expect({exit: r.exitCode, stderr: r.stderr}).toMatchObject({exit: 0});
    expect(r.json.reference).toMatch(new RegExp(`^${env.FN_TEST_SECURE_REGISTRY}/it/secure-node@sha256:[0-9a-f]{64}$`));
    expect(r.stderr).not.toContain(env.FN_TEST_SECURE_REGISTRY_PASSWORD);
  });

  test('credentials from a docker-credential-* helper (credHelpers)', async () => {
    const env = dockerTestEnv();
    const bin = await mkdtemp(join(tmpdir(), 'fn-helper-'));
    const calls = join(bin, 'calls.log');
    // The helper protocol: `get` as argument, the server URL on stdin, JSON on stdout.
    await writeFile(
      join(bin, 'docker-credential-fntest'),
      `#!/bin/sh\nread server\necho "$1 $server" >> ${calls}\n[ "$1" = get ] || exit 1\n` +
        `printf '{"ServerURL":"%s","Username":"${env.FN_TEST_SECURE_REGISTRY_USER}","Secret":"${env.FN_TEST_SECURE_REGISTRY_PASSWORD}"}' "$server"\n`,
    );
    await chmod(join(bin, 'docker-credential-fntest'), 0o755);
    const config = await dockerConfig({credHelpers: {[env.FN_TEST_SECURE_REGISTRY]: 'fntest'}});
    const r = await runFnJson([...buildArgs, '--force'], {env: fnEnv({DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}`})});
    expect({exit: r.exitCode, stderr: r.stderr}).toMatchObject({exit: 0});
    expect(r.json.pushed).toBe(true);
    expect(await readFile(calls, 'utf8')).toContain(`get ${env.FN_TEST_SECURE_REGISTRY}`);
  });

  test('a refused password: registry exit code, no secret printed, nothing recorded', async () => {
    const env = dockerTestEnv();
    const wrong = 'wrong-Passw0rd-never-printed';
    const before = existsSync(join(dir, '.fn/build.json')) ? await readFile(join(dir, '.fn/build.json'), 'utf8') : undefined;
    await writeFile(join(dir, 'index.js'), (await readFile(join(dir, 'index.js'), 'utf8')) + '\n// changed\n');
    const config = await dockerConfig({auths: {[env.FN_TEST_SECURE_REGISTRY]: {auth: basic(env.FN_TEST_SECURE_REGISTRY_USER, wrong)}}});
    const r = await runFn([...buildArgs, '--verbose'], {env: fnEnv({DOCKER_CONFIG: config})});
    expectExit(r, 6);
    expect(r.stderr).toMatch(/registry 127\.0\.0\.1:5443 refused the credentials for user "fntest" from auths in/);
    expect(r.stderr).toContain(`Try: log in again: docker login ${env.FN_TEST_SECURE_REGISTRY}`);
    expect(r.stderr + r.stdout).not.toContain(wrong);
    expect(r.stderr + r.stdout).not.toContain(basic(env.FN_TEST_SECURE_REGISTRY_USER, wrong));
    const after = existsSync(join(dir, '.fn/build.json')) ? await readFile(join(dir, '.fn/build.json'), 'utf8') : undefined;
    expect(after).toBe(before);
  });

  test('no credentials at all: refused, and the message says none were found', async () => {
    const r = await runFnJson([...buildArgs, '--force'], {env: fnEnv()});
    expectExit(r, 6);
    expect(r.json.error.code).toBe('REGISTRY_AUTH_FAILED');
    expect(r.json.error.message).toContain('anonymous access');
  });

  test('a helper that is not installed is named', async () => {
    const env = dockerTestEnv();
    const config = await dockerConfig({credHelpers: {[env.FN_TEST_SECURE_REGISTRY]: 'nosuchhelper'}});
    const r = await runFnJson([...buildArgs, '--force'], {env: fnEnv({DOCKER_CONFIG: config})});
    expectExit(r, 6);
    expect(r.json.error).toMatchObject({code: 'CREDENTIAL_HELPER_MISSING'});
    expect(r.json.error.message).toContain('docker-credential-nosuchhelper');
  });
});

test('an unreachable registry: registry exit code naming it', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-unreachable-')), 'unreachable');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  const images = testImages('node');
  const port = await freePort();
  await mkdir(join(dir, '.fn'), {recursive: true});
  const r = await runFnJson(['build', '--path', dir, '--registry', `127.0.0.1:${port}/it`, '--push', '--base-image', images.base, '--builder-image', images.builder], {env: fnEnv()});
  expectExit(r, 6);
  expect(r.json.error.code).toBe('REGISTRY_UNREACHABLE');
  expect(r.json.error.message).toContain(`registry 127.0.0.1:${port} is unreachable`);
  expect(existsSync(join(dir, '.fn/build.json'))).toBe(false);
});
