// fn build --push for every runtime × template that has a template and a Dockerfile: against the
// real engine and registry, then the image is pulled by its digest, run with host networking and
// invoked. Needs `npm run build` and `bash test/env/docker-up.sh`.
import {afterAll, describe, expect, jest, test} from '@jest/globals';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv, fnEnv, pullImage, runImage, testDocker, testImages} from '../support/docker-env.js';
import {FUNC_PYTHON_FILES} from '../support/python-func.js';

jest.setTimeout(600_000);

const root = new URL('../../', import.meta.url).pathname;
const RUNTIMES = ['node', 'typescript', 'python', 'go'];
const TEMPLATES = ['http', 'cloudevents'];
const available = RUNTIMES.flatMap((runtime) =>
  TEMPLATES.filter((template) => existsSync(join(root, 'src/templates', runtime, template)) && existsSync(join(root, 'runtimes', runtime, 'Dockerfile'))).map(
    (template) => [runtime, template] as const,
  ),
);

/** What each template answers: "Hello Ada" for a name, as plain JSON or in a CloudEvent. */
async function invokeTemplate(template: string, url: string): Promise<void> {
  if (template === 'http') {
    const res = await fetch(`${url}/?name=Ada`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({message: 'Hello Ada'});
    return;
  }
  const res = await fetch(url, {
    method: 'POST',
    headers: {'ce-specversion': '1.0', 'ce-type': 'com.example.hello', 'ce-source': '/test', 'ce-id': 'it-42', 'content-type': 'application/json'},
    body: JSON.stringify({name: 'Ada'}),
  });
  const text = await res.text();
  expect({status: res.status, text}).toMatchObject({status: 200});
  expect(res.headers.get('ce-type')).toBeTruthy();
  expect(JSON.parse(text)).toMatchObject({message: 'Hello Ada'});
}

const work: string[] = [];
afterAll(async () => {
  await Promise.all(work.map((d) => rm(d, {recursive: true, force: true})));
});

test('at least the node templates are covered', () => {
  expect(available).toContainEqual(['node', 'http']);
});

describe.each(available)('%s %s', (runtime, template) => {
  test('init → build --push → pull by digest → run → invoke', async () => {
    const env = dockerTestEnv();
    const tmp = await mkdtemp(join(tmpdir(), 'fn-build-'));
    work.push(tmp);
    const dir = join(tmp, `it-${runtime}-${template}`);
    const init = await runFn(['init', dir, '--runtime', runtime, '--template', template]);
    expectExit(init, 0);

    const images = testImages(runtime);
    const build = await runFnJson(
      ['build', '--path', dir, '--registry', `${env.FN_TEST_REGISTRY}/it`, '--push', '--base-image', images.base, '--builder-image', images.builder],
      {env: fnEnv()},
    );
    expect({exit: build.exitCode, stderr: build.stderr}).toMatchObject({exit: 0});
    const name = `it-${runtime}-${template}`;
    expect(build.json).toMatchObject({name, image: `${env.FN_TEST_REGISTRY}/it/${name}:latest`, skipped: false, pushed: true, dockerfile: 'generated'});
    expect(build.json.reference).toMatch(new RegExp(`^${env.FN_TEST_REGISTRY.replace(/\./g, '\\.')}/it/${name}@sha256:[0-9a-f]{64}$`));

    // Recorded for deploy in .fn/build.json, never in fn.yaml.
    const record = JSON.parse(await readFile(join(dir, '.fn/build.json'), 'utf8'));
    expect(record).toMatchObject({reference: build.json.reference, digest: build.json.digest, imageId: build.json.imageId, inputsHash: build.json.inputsHash});
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).not.toContain('sha256');

    // The image the registry serves under that digest is the one built.
    await pullImage(build.json.reference);
    const pulled = await testDocker().getImage(build.json.reference).inspect();
    expect(pulled.Id).toBe(build.json.imageId);
    // Non-root numeric user, PORT, OCI labels.
    expect(pulled.Config.User).toMatch(/^\d+(:\d+)?$/);
    expect(pulled.Config.User).not.toMatch(/^0(:|$)/);
    expect(pulled.Config.Env).toContain('PORT=8080');
    expect(pulled.Config.Labels?.['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);

    const running = await runImage(build.json.reference);
    try {
      await invokeTemplate(template, running.url);
    } catch (e) {
      throw new Error(`${(e as Error).message}\ncontainer output:\n${await running.logs()}`);
    } finally {
      await running.stop();
    }
  });
});

describe('python: a function written for Knative func (function/ package, new(), ASGI handle)', () => {
  test('builds unchanged into a small image that serves it on uvicorn with uvloop and httptools, start() run, no pip in the venv', async () => {
    const env = dockerTestEnv();
    const tmp = await mkdtemp(join(tmpdir(), 'fn-build-'));
    work.push(tmp);
    const dir = join(tmp, 'it-python-func');
    expect((await runFn(['init', dir, '--runtime', 'python', '--template', 'http'])).exitCode).toBe(0);
    await rm(join(dir, 'func.py'));
    await rm(join(dir, 'test_func.py'));
    for (const [file, text] of Object.entries(FUNC_PYTHON_FILES)) {
      await mkdir(join(dir, file, '..'), {recursive: true});
      await writeFile(join(dir, file), text);
    }
    const images = testImages('python');
    const build = await runFnJson(['build', '--path', dir, '--registry', `${env.FN_TEST_REGISTRY}/it`, '--base-image', images.base, '--builder-image', images.builder], {env: fnEnv()});
    expect({exit: build.exitCode, stderr: build.stderr}).toMatchObject({exit: 0});
    // Small: the venv holds the server's packages and links to the base image's Python, no pip, no copies.
    const [image, base] = await Promise.all([testDocker().getImage(build.json.imageId).inspect(), testDocker().getImage(images.base).inspect()]);
    expect((image.Size - base.Size) / 1e6).toBeLessThan(25);
    const running = await runImage(build.json.imageId);
    try {
      const res = await fetch(`${running.url}/hello`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({loop: 'uvloop', httptools: true, started: true, pip: false, path: '/hello'});
      expect(await (await fetch(`${running.url}/health/readiness`)).text()).toBe('Ready');
    } catch (e) {
      throw new Error(`${(e as Error).message}\ncontainer output:\n${await running.logs()}`);
    } finally {
      await running.stop();
    }
  });
});
