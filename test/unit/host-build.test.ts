// The pure rules of the host builder: the image contract read from each runtime's Dockerfile (the
// same user, env, workdir and entrypoint as the Docker builder's image), the builder choice, the
// platform list and the reproducible build time.
import {describe, expect, test} from '@jest/globals';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {sourceDate} from '../../src/core/build.js';
import {chooseBuilder} from '../../src/core/builder-choice.js';
import {renderDockerfile} from '../../src/core/dockerfile.js';
import {FnError} from '../../src/core/errors.js';
import {expandVariables, finalStageSettings} from '../../src/core/image-contract.js';
import {parsePlatforms, samePlatform} from '../../src/core/platforms.js';
import {runtimesDir} from '../../src/paths.js';

const dockerfile = (runtime: string) => renderDockerfile(readFileSync(join(runtimesDir, runtime, 'Dockerfile'), 'utf8'), {});
const BASE = {Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'], Cmd: ['node'], Entrypoint: ['docker-entrypoint.sh'], Labels: {maintainer: 'base'}};
const ARGS = {TEMPLATE: 'cloudevents', SOURCE: 'https://example.com/repo', REVISION: 'abc123', CREATED: '2026-01-02T03:04:05Z'};

describe('the image contract from the runtime Dockerfile', () => {
  test('node: workdir, env with the template, user, port, CMD (the base ENTRYPOINT kept), labels over the base ones', () => {
    expect(finalStageSettings(dockerfile('node'), BASE, ARGS)).toEqual({
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', 'NODE_ENV=production', 'PORT=8080', 'FN_FUNCTION_DIR=/function', 'FN_TEMPLATE=cloudevents'],
      User: '65532:65532',
      WorkingDir: '/function',
      ExposedPorts: {'8080/tcp': {}},
      Cmd: ['node', '.fn-invoker/invoker.mjs'],
      Entrypoint: ['docker-entrypoint.sh'],
      Labels: {maintainer: 'base', 'org.opencontainers.image.source': 'https://example.com/repo', 'org.opencontainers.image.revision': 'abc123', 'org.opencontainers.image.created': '2026-01-02T03:04:05Z'},
    });
  });

  test('python: PATH puts the venv before the base image\'s PATH', () => {
    const s = finalStageSettings(dockerfile('python'), BASE, {});
    expect(s.Env).toContain('PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin');
    expect(s.Env).toEqual(expect.arrayContaining(['PYTHONPATH=/function/.fn-invoker', 'FN_TEMPLATE=http', 'PYTHONDONTWRITEBYTECODE=1']));
    expect(s.Cmd).toEqual(['python', '-m', 'fn_invoker']);
  });

  test('go: ENTRYPOINT /fn/function resets the inherited CMD; no workdir of its own', () => {
    const s = finalStageSettings(dockerfile('go'), BASE, {TEMPLATE: 'http'});
    expect(s).toMatchObject({Entrypoint: ['/fn/function'], Cmd: null, User: '65532:65532', WorkingDir: undefined});
    expect(s.Env).toEqual(['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', 'PORT=8080', 'FN_TEMPLATE=http']);
    // Empty build args leave the labels empty, as `docker build` does.
    expect(s.Labels?.['org.opencontainers.image.source']).toBe('');
  });

  test('typescript is node\'s contract', () => {
    expect(finalStageSettings(dockerfile('typescript'), BASE, ARGS)).toEqual(finalStageSettings(dockerfile('node'), BASE, ARGS));
  });

  test('variable expansion: $X, ${X}, ${X:-d}, ${X:+a}, \\$', () => {
    expect(expandVariables('$A/${B}/${C:-d}/${A:+set}/${C:+no}/\\$A', {A: 'a', B: 'b'})).toBe('a/b/d/set//$A');
  });
});

describe('chooseBuilder', () => {
  const down = async () => {
    throw new FnError('DOCKER_UNAVAILABLE', 'dockerUnavailable', 'no Docker engine answered at unix:///x (DOCKER_HOST): no such socket');
  };
  const up = async () => ({});

  test('--builder, then FN_BUILDER decide without asking the engine', async () => {
    const never = async () => {
      throw new Error('asked the engine');
    };
    expect(await chooseBuilder('host', {FN_BUILDER: 'docker'}, never)).toEqual({kind: 'host'});
    expect(await chooseBuilder(undefined, {FN_BUILDER: 'docker'}, never)).toEqual({kind: 'docker'});
  });

  test('an engine that answers builds; none: the host builder, saying why', async () => {
    expect(await chooseBuilder(undefined, {}, up)).toEqual({kind: 'docker'});
    const chosen = await chooseBuilder(undefined, {}, down);
    expect(chosen.kind).toBe('host');
    expect(chosen.note).toBe('no Docker engine answered at unix:///x (DOCKER_HOST): no such socket: building on this host instead (--builder host; --builder docker to insist on the engine)');
    expect(chosen.engineError?.code).toBe('DOCKER_UNAVAILABLE');
  });

  test('a bad value names where it came from and what is accepted; other failures are not swallowed', async () => {
    await expect(chooseBuilder('podman', {}, up)).rejects.toMatchObject({code: 'INVALID_BUILDER', exitCode: 2, message: '--builder "podman" is not a builder: use docker or host'});
    await expect(chooseBuilder(undefined, {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});

describe('platforms and the build time', () => {
  test('a list of platforms; bad and repeated ones refused', () => {
    expect(parsePlatforms('linux/amd64,linux/arm64/v8')).toEqual([{os: 'linux', architecture: 'amd64'}, {os: 'linux', architecture: 'arm64', variant: 'v8'}]);
    expect(() => parsePlatforms('linux')).toThrow('--platform "linux" is not OS/ARCH[/VARIANT]');
    expect(() => parsePlatforms('linux/arm64,linux/arm64')).toThrow('names linux/arm64 twice');
    expect(samePlatform({os: 'linux', architecture: 'arm64', variant: 'v8'}, {os: 'linux', architecture: 'arm64'})).toBe(true);
  });

  test('SOURCE_DATE_EPOCH, else the commit time, else the epoch', () => {
    expect(sourceDate('2026-03-04T05:06:07+01:00', {SOURCE_DATE_EPOCH: '86400'})).toBe('1970-01-02T00:00:00Z');
    expect(sourceDate('2026-03-04T05:06:07+01:00', {})).toBe('2026-03-04T04:06:07Z');
    expect(sourceDate(undefined, {})).toBe('1970-01-01T00:00:00Z');
    expect(() => sourceDate(undefined, {SOURCE_DATE_EPOCH: 'yesterday'})).toThrow('SOURCE_DATE_EPOCH "yesterday"');
  });
});
