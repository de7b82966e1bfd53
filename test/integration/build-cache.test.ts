// What a rebuild reuses: the dependency layer after a source change, the whole build when nothing
// changed; what the context never carries; a project's own Dockerfile and `fn dockerfile`.
// Needs `npm run build` and `bash test/env/docker-up.sh`.
import {beforeAll, describe, expect, jest, test} from '@jest/globals';
import {appendFile, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv, fnEnv, testDocker, testImages} from '../support/docker-env.js';
import {filesIn} from '../support/image-files.js';

jest.setTimeout(600_000);

async function layers(image: string): Promise<string[]> {
  return (await testDocker().getImage(image).inspect()).RootFS.Layers ?? [];
}

describe('node function rebuilds', () => {
  let dir: string;
  let args: string[];

  beforeAll(async () => {
    const env = dockerTestEnv();
    dir = join(await mkdtemp(join(tmpdir(), 'fn-cache-')), 'cache-node');
    expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
    const images = testImages('node');
    args = ['build', '--path', dir, '--image', `${env.FN_TEST_REGISTRY}/it/cache-node:dev`, '--base-image', images.base, '--builder-image', images.builder];
  });

  test('a first build, then unchanged inputs skip the build', async () => {
    const first = await runFnJson(args, {env: fnEnv()});
    expect({exit: first.exitCode, stderr: first.stderr}).toMatchObject({exit: 0});
    expect(first.json.skipped).toBe(false);

    const second = await runFn(args, {env: fnEnv()});
    expectExit(second, 0);
    expect(second.stderr).toContain('inputs unchanged since the last build');
    expect(second.stdout).toContain('Unchanged: ');
    const again = await runFnJson(args, {env: fnEnv()});
    expect(again.json).toMatchObject({skipped: true, imageId: first.json.imageId, inputsHash: first.json.inputsHash});
  });

  test("an fn.yaml edit that does not touch the image (a subscription, scale) is not a new input: fn.yaml is not shipped", async () => {
    const before = await runFnJson(args, {env: fnEnv()});
    await appendFile(join(dir, 'fn.yaml'), 'scale: {min: 1}\nsubscriptions:\n  - broker: default\n    filters: {type: com.example.order}\n');
    const after = await runFnJson(args, {env: fnEnv()});
    expect(after.json).toMatchObject({skipped: true, imageId: before.json.imageId, inputsHash: before.json.inputsHash});
    // A build setting in fn.yaml still is one.
    await appendFile(join(dir, 'fn.yaml'), 'build:\n  buildArgs: {FROM_FN_YAML: "1"}\n');
    const changed = await runFnJson(args, {env: fnEnv()});
    expect(changed.json.skipped).toBe(false);
  });

  test('--force rebuilds (from the layer cache); a changed build arg is a new input', async () => {
    const forced = await runFnJson([...args, '--force'], {env: fnEnv()});
    expect(forced.json.skipped).toBe(false);
    expect(forced.json.cachedSteps).toBeGreaterThan(0);
    const withArg = await runFnJson([...args, '--build-arg', 'EXTRA=1'], {env: fnEnv()});
    expect(withArg.json.skipped).toBe(false);
    expect(withArg.json.inputsHash).not.toBe(forced.json.inputsHash);
  });

  test('a one-line source change reuses every layer but the source layer', async () => {
    const before = await runFnJson(args, {env: fnEnv()});
    const beforeLayers = await layers(before.json.imageId);
    await appendFile(join(dir, 'index.js'), '\n// a one-line change\n');
    const after = await runFn([...args, '--verbose'], {env: fnEnv()});
    expectExit(after, 0);
    // The npm steps said "Using cache".
    expect(after.stderr).toMatch(/npm (ci|install)[^\n]*\n[^\n]*Using cache/);
    const record = JSON.parse(await readFile(join(dir, '.fn/build.json'), 'utf8'));
    const afterLayers = await layers(record.imageId);
    expect(record.imageId).not.toBe(before.json.imageId);
    expect(afterLayers.length).toBe(beforeLayers.length);
    expect(afterLayers.slice(0, -1)).toEqual(beforeLayers.slice(0, -1));
    expect(afterLayers.at(-1)).not.toBe(beforeLayers.at(-1));
  });

  test('the context never carries node_modules, .git, .fn, secrets or .dockerignore\'d files', async () => {
    await mkdir(join(dir, 'node_modules/junk'), {recursive: true});
    await writeFile(join(dir, 'node_modules/junk/index.js'), '');
    await mkdir(join(dir, '.git'), {recursive: true});
    await writeFile(join(dir, '.git/config'), '');
    await writeFile(join(dir, '.env'), 'SECRET=1');
    await writeFile(join(dir, 'id_rsa'), 'key');
    await writeFile(join(dir, 'server.pem'), 'cert');
    await writeFile(join(dir, 'notes.md'), 'ignored');
    await writeFile(join(dir, 'kept.txt'), 'kept');
    await writeFile(join(dir, '.dockerignore'), 'notes.md\n');
    const built = await runFnJson(args, {env: fnEnv()});
    expectExit(built, 0);
    const files = await filesIn(built.json.imageId);
    expect(files).toEqual(expect.arrayContaining(['/function/index.js', '/function/package.json', '/function/kept.txt', '/function/.fn-invoker/invoker.mjs']));
    for (const never of ['/function/.env', '/function/id_rsa', '/function/server.pem', '/function/.git', '/function/.fn', '/function/notes.md', '/function/node_modules/junk']) {
      expect(files).not.toContain(never);
    }
  });
});

describe('Dockerfiles the user owns', () => {
  test('fn dockerfile writes a Dockerfile that docker build and fn build both use', async () => {
    const env = dockerTestEnv();
    const dir = join(await mkdtemp(join(tmpdir(), 'fn-eject-')), 'eject-node');
    expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
    const images = testImages('node');
    const printed = await runFn(['dockerfile', '--path', dir, '--stdout', '--base-image', images.base, '--builder-image', images.builder]);
    expect(printed.stdout).toContain(`ARG BASE_IMAGE=${images.base}`);
    const eject = await runFnJson(['dockerfile', '--path', dir, '--base-image', images.base, '--builder-image', images.builder]);
    expectExit(eject, 0);
    expect(eject.json.files).toEqual(expect.arrayContaining(['Dockerfile', '.fn-invoker/invoker.mjs', '.dockerignore']));
    expect((await readFile(join(dir, 'Dockerfile'), 'utf8')).trimEnd()).toBe(printed.stdout.trimEnd());
    // A second time refuses to overwrite.
    const again = await runFn(['dockerfile', '--path', dir]);
    expectExit(again, 3);
    expect(again.stderr).toContain('already exist');

    await appendFile(join(dir, 'Dockerfile'), 'LABEL dev.fn.test.ejected="yes"\n');
    const built = await runFnJson(['build', '--path', dir, '--image', `${env.FN_TEST_REGISTRY}/it/eject-node:dev`], {env: fnEnv()});
    expect({exit: built.exitCode, stderr: built.stderr}).toMatchObject({exit: 0});
    expect(built.json.dockerfile).toBe('Dockerfile');
    const image = await testDocker().getImage(built.json.imageId).inspect();
    expect(image.Config.Labels).toMatchObject({'dev.fn.test.ejected': 'yes'});
    expect(image.Config.Labels?.['org.opencontainers.image.created']).toBeTruthy();
  });
});
