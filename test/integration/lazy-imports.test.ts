// `fn --help`, `fn --version`, `fn init` and every cluster command's start-up must never load the heavy
// SDKs: they are imported lazily by the code that needs them (src/factory.ts; test/unit/layering.test.ts
// keeps the factory's adapter imports lazy). Cluster commands load @kubernetes/client-node only for
// auth-provider plugins and proxies, not for exec credential plugins (EKS, GKE, AKS). Checked on the
// real process's imports: fn runs as one bundle (dist/fn.cjs, scripts/bundle.mjs) that leaves every
// package but the start-up ones in node_modules, so each package a command loads is seen here.
import {describe, expect, test} from '@jest/globals';
import {readFileSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runFn, expectExit} from '../support/cli.js';
import {fakeKubeApi, list} from '../unit/fake-kube-api.js';

const hook = fileURLToPath(new URL('../support/record-imports.mjs', import.meta.url));
const heavy = ['@kubernetes/client-node', 'dockerode', 'execa', '@inquirer/prompts', 'cloudevents'];
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../oclif.manifest.json', import.meta.url)), 'utf8')) as {
  commands: Record<string, {flags: Record<string, unknown>}>;
};

async function run(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{exitCode: number; stderr: string; loaded: Set<string>}> {
  const record = join(await mkdtemp(join(tmpdir(), 'fn-imports-')), 'packages.txt');
  const r = await runFn(args, {env: {...env, FN_RECORD_IMPORTS: record, NODE_OPTIONS: `--import ${hook}`}, ...(cwd ? {cwd} : {})});
  return {exitCode: r.exitCode, stderr: r.stderr, loaded: new Set((await readFile(record, 'utf8').catch(() => '')).split('\n').filter(Boolean))};
}

async function packagesLoadedBy(args: string[], env: Record<string, string> = {}): Promise<Set<string>> {
  const r = await run(args, env);
  expectExit(r, 0);
  return r.loaded;
}

describe('lazy imports', () => {
  test('the recorder sees what a command does load (cloudevents for fn invoke --cloudevent)', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await packagesLoadedBy(['invoke', '--target', target, '--cloudevent', '--data', '{}'])).toContain('cloudevents');
    } finally {
      server.close();
    }
  });

  test('the recorder sees a lazily loaded bundle: dockerode for fn build (dist/docker.cjs)', async () => {
    const folder = join(await mkdtemp(join(tmpdir(), 'fn-lazy-build-')), 'probe');
    expect((await runFn(['init', folder, '--runtime', 'node'])).exitCode).toBe(0);
    // --builder docker: without it, no engine means the host builder (which needs no dockerode).
    const r = await run(['build', '--path', folder, '--registry', '127.0.0.1:5999/x', '--builder', 'docker'], {DOCKER_HOST: `unix://${join(folder, 'no-engine.sock')}`});
    expectExit(r, 4);
    expect(r.loaded).toContain('dockerode');
  });

  test.each([
    ['--help', ['--help'], {FN_NO_FAST_PATH: '1'}],
    ['--version', ['--version'], {FN_NO_FAST_PATH: '1'}],
    ['init', ['init', 'DIR', '--runtime', 'node', '--template', 'cloudevents'], {}],
    ['templates', ['templates'], {}],
  ])('fn %s loads none of the heavy SDKs', async (_name, args, env) => {
    const dir = join(await mkdtemp(join(tmpdir(), 'fn-lazy-')), 'fn-x');
    const loaded = await packagesLoadedBy(args.map((a) => (a === 'DIR' ? dir : a)), env);
    for (const pkg of heavy) expect([pkg, loaded.has(pkg)]).toEqual([pkg, false]);
  });

  test('fn list with an exec credential plugin kubeconfig runs the plugin itself: no client-node', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-lazy-exec-'));
    const plugin = join(dir, 'get-token.mjs');
    writeFileSync(plugin, `process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: {token: 'from-plugin'}}))`);
    const api = await fakeKubeApi({user: {exec: {apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin]}}});
    try {
      api.objects.set('/apis/serving.knative.dev/v1/namespaces/team/services', list([]));
      api.objects.set('/apis/serving.knative.dev/v1/namespaces/team/routes', list([]));
      // An empty list: fn asks whether the namespace exists.
      api.objects.set('/api/v1/namespaces/team', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'team'}});
      const loaded = await packagesLoadedBy(['list'], {KUBECONFIG: api.kubeconfig});
      expect(loaded.has('@kubernetes/client-node')).toBe(false);
      expect(api.received.map((r) => r.headers.authorization)).toEqual(['Bearer from-plugin', 'Bearer from-plugin', 'Bearer from-plugin']);
    } finally {
      await api.close();
    }
  });

  // Every command with cluster flags (found in the manifest, so a new one is covered), run in a
  // function's folder against an API that knows nothing: what it loads up to and around its first
  // API request. Extra arguments only where a command would otherwise stop before asking the cluster.
  const clusterCommands = Object.keys(manifest.commands).filter((id) => 'context' in manifest.commands[id].flags);
  const image = `127.0.0.1:5000/fn/probe@sha256:${'a'.repeat(64)}`;
  const extra: Record<string, string[]> = {
    // --image: without it, deploy builds first (the Docker engine: dockerode); --no-wait: the fake API
    // takes the apply, and no controller would ever make the function Ready.
    deploy: ['--image', image, '--no-wait'],
    rollout: ['--image', image],
    invoke: ['--target', 'remote'],
    delete: ['--yes'],
    'revisions:prune': ['--keep', '1', '--yes'],
  };
  test('the cluster commands are found', () => {
    expect(clusterCommands).toEqual(expect.arrayContaining(['deploy', 'traffic', 'revisions', 'list', 'describe', 'rollback', 'rollout:status']));
  });

  test.each(clusterCommands)('fn %s reaches the cluster without loading a heavy SDK', async (id) => {
    const api = await fakeKubeApi();
    try {
      const folder = join(await mkdtemp(join(tmpdir(), 'fn-lazy-cluster-')), 'probe');
      expect((await runFn(['init', folder, '--runtime', 'node'])).exitCode).toBe(0);
      const r = await run([...id.split(':'), ...(extra[id] ?? []), '--namespace', 'team'], {KUBECONFIG: api.kubeconfig}, folder);
      // Nothing exists there: an error for that (not found, or Eventing missing), never a crash.
      expect([id, r.exitCode === 1 ? r.stderr : 'no crash']).toEqual([id, 'no crash']);
      expect([id, api.requests.length > 0]).toEqual([id, true]);
      for (const pkg of heavy) expect([id, pkg, r.loaded.has(pkg)]).toEqual([id, pkg, false]);
    } finally {
      await api.close();
    }
  });
});
