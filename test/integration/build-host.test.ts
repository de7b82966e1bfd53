// The host builder with no Docker engine reachable (DOCKER_HOST points nowhere): fn build --push of a
// node, a typescript, a python and a go function assembles the image on the host and pushes it straight to the
// real local registry (and to the TLS + basic-auth one with the user's credentials); the Docker engine
// then pulls and runs that image and it answers. Same inputs → same digest; a second push uploads no
// layers; a multi-platform Go build pushes an index with both platforms; a native addon is refused by
// name. Needs `npm run build` and the Docker test environment (test/env/docker-up.sh).
import {afterAll, beforeAll, describe, expect, jest, test} from '@jest/globals';
import {execa} from 'execa';
import {existsSync} from 'node:fs';
import {appendFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer, type Server} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv, fnEnv, freePort, pullImage, runImage, testDocker, testImages} from '../support/docker-env.js';
import {blobOf, elfArchitecture, fileInLayer, manifestOf, multiPlatformCopy} from '../support/oci-registry.js';

jest.setTimeout(900_000);

const NOWHERE = 'unix:///nonexistent/docker.sock';
let cache: string;
let registry: string;

/** fn with no engine, a cache of its own (the first build fills it), the test CA trusted. */
const hostEnv = (extra: Record<string, string> = {}) => fnEnv({DOCKER_HOST: NOWHERE, FN_CACHE_DIR: cache, ...extra});

beforeAll(async () => {
  cache = await mkdtemp(join(tmpdir(), 'fn-host-cache-'));
  registry = `${dockerTestEnv().FN_TEST_REGISTRY}/it-host`;
});
afterAll(() => rm(cache, {recursive: true, force: true}));

async function init(name: string, runtime: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-host-')), name);
  expect((await runFn(['init', dir, '--runtime', runtime])).exitCode).toBe(0);
  return dir;
}

async function answers(image: string, expected: unknown): Promise<void> {
  await pullImage(image);
  const running = await runImage(image);
  try {
    const res = await fetch(running.url, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{"name":"Ada"}'});
    expect(await res.json()).toEqual(expected);
  } finally {
    await running.stop();
  }
}

describe.each([
  ['node', 'index.js', '//'],
  ['typescript', 'index.ts', '//'],
  ['python', 'func.py', '#'],
  ['go', 'handle.go', '//'],
])('%s, no engine reachable', (runtime, source, comment) => {
  let dir: string;
  let flags: string[];
  let first: any;

  beforeAll(async () => {
    dir = await init(`host-${runtime}`, runtime);
    // python: a real (pure) wheel from the index, imported by the function
    if (runtime === 'python') {
      await appendFile(join(dir, 'requirements.txt'), 'six==1.16.0\n');
      await writeFile(join(dir, 'func.py'), `import six  # from the image's /opt/venv\n${await readFile(join(dir, 'func.py'), 'utf8')}`);
    }
    flags = ['build', '--path', dir, '--registry', registry, '--base-image', testImages(runtime).base];
  });

  test('fn build --push builds on the host (saying why), pushes, pins by digest; the engine runs it and it answers', async () => {
    const r = await runFn([...flags, '--push'], {env: hostEnv()});
    expect({exit: r.exitCode, stderr: r.stderr}).toMatchObject({exit: 0});
    expect(r.stderr).toContain(`no Docker engine answered at ${NOWHERE} (DOCKER_HOST): no such socket: building on this host instead (--builder host`);
    // (the invoker's dependency layer may come from an earlier function's build: node and typescript share it)
    expect(r.stderr).toMatch(/Built \S+ \(\w{12}\) in [\d.]+s, linux\/amd64, \d\/\d layers cached/);
    first = JSON.parse(await readFile(join(dir, '.fn/build.json'), 'utf8'));
    expect(first).toMatchObject({builder: 'host', reference: expect.stringMatching(new RegExp(`^${registry}/host-${runtime}@sha256:[0-9a-f]{64}$`))});
    expect(first.imageId).toBe(first.digest);
    expect(r.stdout).toContain(`Pushed: ${first.reference}`);

    // What the registry holds is the image contract of the Dockerfile builder.
    const image = await manifestOf(first.reference);
    const config = JSON.parse((await blobOf(dockerTestEnv().FN_TEST_REGISTRY, `it-host/host-${runtime}`, image.json.config.digest)).toString('utf8'));
    expect(config.config.User).toBe('65532:65532');
    expect(config.config.Env).toEqual(expect.arrayContaining(['PORT=8080', 'FN_TEMPLATE=http']));
    expect(Object.keys(config.config.Labels)).toEqual(expect.arrayContaining(['org.opencontainers.image.source', 'org.opencontainers.image.revision', 'org.opencontainers.image.created']));
    if (runtime === 'go') expect(config.config.Entrypoint).toEqual(['/fn/function']);
    else expect(config.config.WorkingDir).toBe('/function');

    await answers(first.reference, {message: 'Hello Ada'});
  });

  test('same inputs → same digest, even with every layer made again; a second push uploads no layer', async () => {
    const again = await runFnJson([...flags, '--push', '--no-cache'], {env: hostEnv()});
    expect({exit: again.exitCode, stderr: again.stderr}).toMatchObject({exit: 0});
    expect(again.json).toMatchObject({builder: 'host', digest: first.digest, layersPushed: 0});
    expect(again.json.layersExisting).toBeGreaterThan(0);
  });

  test('a one-line change: only the source layer is new (Go: a comment compiles to the same binary, the same image)', async () => {
    // (unique per run: the registry keeps the layers of earlier runs, and the same line would be the same layer)
    await appendFile(join(dir, source), `\n${comment} one more line ${Date.now()}\n`);
    const r = await runFnJson([...flags, '--push'], {env: hostEnv()});
    expectExit(r, 0);
    if (runtime === 'go') {
      expect(r.json).toMatchObject({digest: first.digest, layersPushed: 0, steps: 1, cachedSteps: 1});
      return;
    }
    expect(r.json.digest).not.toBe(first.digest);
    expect(r.json.layersPushed).toBe(1);
    // node and typescript: the two dependency layers cached; python: the venv
    const deps = runtime === 'python' ? 1 : 2;
    expect(r.json).toMatchObject({steps: deps + 1, cachedSteps: deps});
    await answers(r.json.reference, {message: 'Hello Ada'});
  });
});

test('the TLS + basic-auth registry, with the credentials of config.json auths; the engine pulls it with them', async () => {
  const env = dockerTestEnv();
  const auth = Buffer.from(`${env.FN_TEST_SECURE_REGISTRY_USER}:${env.FN_TEST_SECURE_REGISTRY_PASSWORD}`).toString('base64');
  const config = await mkdtemp(join(tmpdir(), 'fn-docker-config-'));
  await writeFile(join(config, 'config.json'), JSON.stringify({auths: {[`https://${env.FN_TEST_SECURE_REGISTRY}`]: {auth}}}));
  const dir = await init('host-secure', 'node');
  const r = await runFnJson(['build', '--path', dir, '--registry', `${env.FN_TEST_SECURE_REGISTRY}/it-host`, '--push', '--base-image', testImages('node').base], {env: hostEnv({DOCKER_CONFIG: config})});
  expect({exit: r.exitCode, stderr: r.stderr}).toMatchObject({exit: 0});
  expect(r.json.reference).toMatch(new RegExp(`^${env.FN_TEST_SECURE_REGISTRY}/it-host/host-secure@sha256:`));
  expect((await manifestOf(r.json.reference, auth)).digest).toBe(r.json.digest);

  const docker = testDocker();
  const stream = await docker.pull(r.json.reference, {authconfig: {username: env.FN_TEST_SECURE_REGISTRY_USER, password: env.FN_TEST_SECURE_REGISTRY_PASSWORD, serveraddress: env.FN_TEST_SECURE_REGISTRY}});
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  const running = await runImage(r.json.reference);
  try {
    expect(await (await fetch(running.url)).json()).toEqual({message: 'Hello world'});
  } finally {
    await running.stop();
  }

  // Without credentials: refused, the registry's exit code, nothing recorded beyond the last push.
  const before = await readFile(join(dir, '.fn/build.json'), 'utf8');
  const refused = await runFnJson(['build', '--path', dir, '--registry', `${env.FN_TEST_SECURE_REGISTRY}/it-host`, '--push', '--force', '--base-image', testImages('node').base], {env: hostEnv()});
  expectExit(refused, 6);
  expect(refused.json.error).toMatchObject({code: 'REGISTRY_AUTH_FAILED'});
  expect(refused.json.error.message).toContain('anonymous access');
  expect(await readFile(join(dir, '.fn/build.json'), 'utf8')).toBe(before);
});

test('--platform linux/amd64,linux/arm64 (go): an index with both platforms, each with a binary for its architecture', async () => {
  const env = dockerTestEnv();
  const base = await multiPlatformCopy(testImages('go').base, 'it-host/static-multi', ['amd64', 'arm64']);
  const dir = await init('host-multi', 'go');
  const r = await runFnJson(['build', '--path', dir, '--registry', registry, '--push', '--base-image', base, '--platform', 'linux/amd64,linux/arm64'], {env: hostEnv()});
  expect({exit: r.exitCode, stderr: r.stderr}).toMatchObject({exit: 0});
  const index = await manifestOf(r.json.reference);
  expect(index.mediaType).toMatch(/manifest\.list|image\.index/);
  expect(index.json.manifests.map((m: any) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
  for (const m of index.json.manifests) {
    const manifest = await manifestOf(`${registry}/host-multi@${m.digest}`);
    const layer = await blobOf(env.FN_TEST_REGISTRY, 'it-host/host-multi', manifest.json.layers.at(-1).digest);
    expect(elfArchitecture(fileInLayer(layer, 'fn/function')!)).toBe(m.platform.architecture);
  }
  // The engine picks its own platform from the index, and the function answers.
  await answers(r.json.reference, {message: 'Hello Ada'});
  // A base with one platform cannot serve another: the error names what it has.
  const single = await runFnJson(['build', '--path', dir, '--registry', registry, '--base-image', testImages('go').base, '--platform', 'linux/arm64'], {env: hostEnv()});
  expectExit(single, 5);
  expect(single.json.error).toMatchObject({code: 'BASE_IMAGE_PLATFORM'});
  expect(single.json.error.message).toContain('is for linux/amd64 only, not linux/arm64');
});

describe('refusals', () => {
  let server: Server;
  let port: number;
  const wheels = new Map<string, Buffer>();

  beforeAll(async () => {
    // A package with a native addon compiled at install time (binding.gyp), served as a tarball.
    const pkg = await mkdtemp(join(tmpdir(), 'fn-native-'));
    await writeFile(join(pkg, 'package.json'), JSON.stringify({name: 'tiny-native-addon', version: '1.0.0', main: 'index.js'}));
    await writeFile(join(pkg, 'binding.gyp'), JSON.stringify({targets: [{target_name: 'tiny', sources: ['tiny.cc']}]}));
    await writeFile(join(pkg, 'tiny.cc'), '// never compiled\n');
    await writeFile(join(pkg, 'index.js'), "module.exports = require('./build/Release/tiny.node');\n");
    await execa('npm', ['pack', '--silent'], {cwd: pkg});
    const tarball = await readFile(join(pkg, 'tiny-native-addon-1.0.0.tgz'));
    port = await freePort();
    server = createServer((req, res) => {
      const body = wheels.get(req.url ?? '') ?? tarball;
      res.writeHead(200, {'content-type': 'application/octet-stream'}).end(body);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a native-addon dependency is refused with its name; nothing recorded', async () => {
    const dir = await init('host-native', 'node');
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({...pkg, dependencies: {'tiny-native-addon': `http://127.0.0.1:${port}/tiny-native-addon-1.0.0.tgz`}}));
    await rm(join(dir, 'package-lock.json'));
    const r = await runFnJson(['build', '--path', dir, '--registry', registry, '--push', '--base-image', testImages('node').base], {env: hostEnv()});
    expectExit(r, 5);
    expect(r.json.error.code).toBe('NATIVE_DEPENDENCY');
    expect(r.json.error.message).toContain('tiny-native-addon (node_modules/tiny-native-addon): its native addon is compiled at install time (binding.gyp)');
    expect(r.json.error.suggestion).toContain('--builder docker');
    expect(existsSync(join(dir, '.fn/build.json'))).toBe(false);
  });

  test('a Python wheel for another platform is refused naming it; nothing recorded', async () => {
    const wheel = 'tiny_native-1.0-cp311-cp311-macosx_11_0_arm64.whl';
    const where = await mkdtemp(join(tmpdir(), 'fn-wheel-'));
    await execa('python3', ['-c', `import zipfile\nz = zipfile.ZipFile(${JSON.stringify(join(where, wheel))}, 'w')\nz.writestr('tiny_native/__init__.py', '')\nz.writestr('tiny_native-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: tiny-native\\nVersion: 1.0\\n')\nz.writestr('tiny_native-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: false\\nTag: cp311-cp311-macosx_11_0_arm64\\n')\nz.writestr('tiny_native-1.0.dist-info/RECORD', '')\nz.close()`]);
    wheels.set(`/${wheel}`, await readFile(join(where, wheel)));
    const dir = await init('host-wheel', 'python');
    await appendFile(join(dir, 'requirements.txt'), `tiny-native @ http://127.0.0.1:${port}/${wheel}\n`);
    const r = await runFnJson(['build', '--path', dir, '--registry', registry, '--push', '--base-image', testImages('python').base], {env: hostEnv()});
    expectExit(r, 5);
    expect(r.json.error).toMatchObject({code: 'NO_WHEEL', details: {requirement: 'tiny_native', wheel}});
    expect(r.json.error.message).toContain(`the wheel ${wheel}, which is not for Python 3.11 on linux/amd64 (glibc`);
    expect(existsSync(join(dir, '.fn/build.json'))).toBe(false);
  });

  test('a project Dockerfile needs an engine: exit 4 when none answers, 2 with --builder host', async () => {
    const dir = await init('host-own-dockerfile', 'node');
    await writeFile(join(dir, 'Dockerfile'), `FROM ${testImages('node').base}\nCOPY . /app\n`);
    const auto = await runFnJson(['build', '--path', dir, '--registry', registry], {env: hostEnv()});
    expectExit(auto, 4);
    expect(auto.json.error.code).toBe('DOCKER_UNAVAILABLE');
    const host = await runFnJson(['build', '--path', dir, '--registry', registry, '--builder', 'host'], {env: hostEnv()});
    expectExit(host, 2);
    expect(host.json.error.code).toBe('HOST_BUILD_NEEDS_GENERATED');
    expect(host.json.error.suggestion).toContain('--builder docker');
  });

  test('several platforms need the host builder; a bad FN_BUILDER is named', async () => {
    const dir = await init('host-flags', 'go');
    const multi = await runFnJson(['build', '--path', dir, '--registry', registry, '--builder', 'docker', '--platform', 'linux/amd64,linux/arm64'], {env: fnEnv()});
    expectExit(multi, 2);
    expect(multi.json.error.code).toBe('MULTI_PLATFORM_NEEDS_HOST');
    const bad = await runFnJson(['build', '--path', dir, '--registry', registry], {env: fnEnv({FN_BUILDER: 'kaniko'})});
    expectExit(bad, 2);
    // (FN_BUILDER is --builder's variable: oclif checks it against the flag's options)
    expect(bad.json.error.message).toBe('Expected --builder=kaniko to be one of: docker, host');
  });

  test('--builder docker insists on the engine: exit 4 naming the socket', async () => {
    const dir = await init('host-insist', 'node');
    const r = await runFn(['build', '--path', dir, '--registry', registry, '--builder', 'docker'], {env: hostEnv()});
    expectExit(r, 4);
    expect(r.stderr).toContain(`no Docker engine answered at ${NOWHERE} (DOCKER_HOST): no such socket`);
    expect(existsSync(join(dir, '.fn'))).toBe(false);
  });
});
