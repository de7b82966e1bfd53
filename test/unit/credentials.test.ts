// Registry credentials as the docker CLI finds them (config.json auths, credHelpers, credsStore),
// with a real docker-credential-* helper script speaking the helper protocol.
import {afterEach, describe, expect, test} from '@jest/globals';
import {chmod, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {credentialsFor, registryHost, serverAddress} from '../../src/adapters/docker/credentials.js';
import {FnError} from '../../src/core/errors.js';

const saved = {DOCKER_CONFIG: process.env.DOCKER_CONFIG, PATH: process.env.PATH};
afterEach(() => {
  process.env.DOCKER_CONFIG = saved.DOCKER_CONFIG;
  process.env.PATH = saved.PATH;
});

async function withConfig(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fn-cred-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  process.env.DOCKER_CONFIG = dir;
  return dir;
}

/** A helper on PATH that logs its calls and answers for one server. */
async function helper(name: string, body: string): Promise<string> {
  const bin = await mkdtemp(join(tmpdir(), 'fn-helper-'));
  await writeFile(join(bin, `docker-credential-${name}`), `#!/bin/sh\nread server\necho "$1 $server" >> ${bin}/calls\n${body}\n`);
  await chmod(join(bin, `docker-credential-${name}`), 0o755);
  process.env.PATH = `${bin}:${saved.PATH}`;
  return bin;
}

describe('registry keys', () => {
  test.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://127.0.0.1:5443', '127.0.0.1:5443'],
    ['quay.io/v2/', 'quay.io'],
  ])('%s is %s', (key, host) => expect(registryHost(key)).toBe(host));

  test('Docker Hub credentials live under its v1 URL', () => {
    expect(serverAddress('docker.io')).toBe('https://index.docker.io/v1/');
    expect(serverAddress('ghcr.io')).toBe('ghcr.io');
  });
});

describe('credentialsFor', () => {
  test('auths: base64 user:password (colons in the password kept), username/password, identity token', async () => {
    await withConfig({
      auths: {
        'https://127.0.0.1:5443': {auth: Buffer.from('ada:pa:ss').toString('base64')},
        'quay.io': {username: 'bob', password: 'pw'},
        'https://index.docker.io/v1/': {identitytoken: 'tok'},
      },
    });
    expect(await credentialsFor('127.0.0.1:5443')).toEqual({serveraddress: '127.0.0.1:5443', username: 'ada', password: 'pa:ss'});
    expect(await credentialsFor('quay.io')).toMatchObject({username: 'bob', password: 'pw'});
    expect(await credentialsFor('docker.io')).toEqual({serveraddress: 'https://index.docker.io/v1/', identitytoken: 'tok'});
    expect(await credentialsFor('ghcr.io')).toBeUndefined();
  });

  test('no config file: anonymous', async () => {
    process.env.DOCKER_CONFIG = await mkdtemp(join(tmpdir(), 'fn-cred-none-'));
    expect(await credentialsFor('quay.io')).toBeUndefined();
  });

  test('credHelpers: `get` with the server on stdin; <token> user means an identity token', async () => {
    const bin = await helper('t1', `printf '{"ServerURL":"%s","Username":"<token>","Secret":"s3cret"}' "$server"`);
    await withConfig({credHelpers: {'reg.example:5000': 't1'}, auths: {'reg.example:5000': {auth: Buffer.from('x:y').toString('base64')}}});
    expect(await credentialsFor('reg.example:5000')).toEqual({serveraddress: 'reg.example:5000', identitytoken: 's3cret'});
    expect(await readFile(join(bin, 'calls'), 'utf8')).toBe('get reg.example:5000\n');
  });

  test('credsStore: "credentials not found" falls back to auths', async () => {
    await helper('store', `echo "credentials not found in native keychain"; exit 1`);
    await withConfig({credsStore: 'store', auths: {'quay.io': {auth: Buffer.from('u:p').toString('base64')}}});
    expect(await credentialsFor('quay.io')).toMatchObject({username: 'u', password: 'p'});
  });

  test('a missing or failing helper is an FnError naming it, never the secret', async () => {
    await withConfig({credHelpers: {'quay.io': 'absent'}});
    await expect(credentialsFor('quay.io')).rejects.toMatchObject({code: 'CREDENTIAL_HELPER_MISSING', exitCode: 6});
    await helper('broken', `echo "keychain locked" >&2; exit 2`);
    await withConfig({credHelpers: {'quay.io': 'broken'}});
    const error = (await credentialsFor('quay.io').catch((e) => e)) as FnError;
    expect(error.code).toBe('CREDENTIAL_HELPER_FAILED');
    expect(error.message).toContain('keychain locked');
  });

  test('an invalid config.json names the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-cred-bad-'));
    await writeFile(join(dir, 'config.json'), '{"auths": ');
    process.env.DOCKER_CONFIG = dir;
    await expect(credentialsFor('quay.io')).rejects.toMatchObject({code: 'DOCKER_CONFIG_INVALID', exitCode: 2});
  });
});
