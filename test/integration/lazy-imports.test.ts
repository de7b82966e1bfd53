// `fn --help`, `fn --version` and `fn init` must never load the heavy SDKs: they are imported lazily
// by the code that needs them (src/factory.ts; test/unit/layering.test.ts keeps the factory's adapter
// imports lazy). Cluster commands load @kubernetes/client-node only for auth-provider plugins and
// proxies, not for exec credential plugins (EKS, GKE, AKS). Checked on the real process's imports.
import {describe, expect, test} from '@jest/globals';
import {writeFileSync} from 'node:fs';
import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runFn} from '../support/cli.js';
import {fakeKubeApi, list} from '../unit/fake-kube-api.js';

const hook = fileURLToPath(new URL('../support/record-imports.mjs', import.meta.url));
const heavy = ['@kubernetes/client-node', 'dockerode', 'execa', '@inquirer/prompts', 'cloudevents'];

async function packagesLoadedBy(args: string[], env: Record<string, string> = {}): Promise<Set<string>> {
  const record = join(await mkdtemp(join(tmpdir(), 'fn-imports-')), 'packages.txt');
  const r = await runFn(args, {env: {...env, FN_RECORD_IMPORTS: record, NODE_OPTIONS: `--import ${hook}`}});
  expect(r.exitCode).toBe(0);
  return new Set((await readFile(record, 'utf8').catch(() => '')).split('\n').filter(Boolean));
}

describe('lazy imports', () => {
  test('the recorder sees what a command does load (oclif for init)', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'fn-lazy-')), 'probe');
    expect(await packagesLoadedBy(['init', dir, '--runtime', 'node'])).toContain('@oclif/core');
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
});
