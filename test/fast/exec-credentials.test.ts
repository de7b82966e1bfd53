// Kubeconfigs with an exec credential plugin (EKS, GKE, AKS) and with impersonation, through the real
// KubeHttp against the local fake API: a fake plugin (a node script in a temp dir that prints an
// ExecCredential with a short expiry and counts its runs) proves the credential is renewed once it
// expires and once after a 401; `as:` in the kubeconfig proves the Impersonate-* headers go out.
import {afterEach, beforeAll, describe, expect, test} from '@jest/globals';
import {mkdtempSync, readFileSync, writeFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {KnativeCluster} from '../../src/adapters/knative/knative-cluster.js';
import {KubeHttp} from '../../src/adapters/knative/kube-http.js';
import {FnError} from '../../src/core/errors.js';
import {fakeKubeApi, list, type FakeApi} from '../unit/fake-kube-api.js';

const SERVICES = '/apis/serving.knative.dev/v1/namespaces/team/services';
const dir = mkdtempSync(join(tmpdir(), 'fn-exec-plugin-'));
const plugin = join(dir, 'get-token.mjs');
const saved = {KUBECONFIG: process.env.KUBECONFIG, FN_API_TIMEOUT_MS: process.env.FN_API_TIMEOUT_MS, CI: process.env.CI};
let open: FakeApi[] = [];

beforeAll(() => {
  // What a real plugin does: read KUBERNETES_EXEC_INFO, print an ExecCredential. This one counts its
  // runs (token tok-N), records what it was given, and fails when asked to.
  writeFileSync(
    plugin,
    `import {appendFileSync, readFileSync, existsSync, writeFileSync} from 'node:fs';
const count = process.env.COUNT_FILE;
const n = (existsSync(count) ? readFileSync(count, 'utf8').split('\\n').filter(Boolean).length : 0) + 1;
appendFileSync(count, 'run\\n');
writeFileSync(count + '.info', process.env.KUBERNETES_EXEC_INFO ?? '');
if (process.env.FAIL) { process.stderr.write('error: no SSO session for profile dev\\n'); process.exit(3); }
if (process.env.HANG) setTimeout(() => {}, 60000);
else process.stdout.write(JSON.stringify({
  apiVersion: JSON.parse(process.env.KUBERNETES_EXEC_INFO).apiVersion,
  kind: 'ExecCredential',
  status: {token: 'tok-' + n, expirationTimestamp: new Date(Date.now() + Number(process.env.TTL_MS)).toISOString()},
}));
`,
  );
});
afterEach(async () => {
  await Promise.all(open.map((a) => a.close()));
  open = [];
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

interface Setup {
  api: FakeApi;
  kube: KubeHttp;
  runs(): number;
  info(): any;
}

async function withPlugin(env: Record<string, string>, exec: Record<string, unknown> = {}, user: Record<string, unknown> = {}): Promise<Setup> {
  const count = join(mkdtempSync(join(dir, 'run-')), 'count');
  const api = await fakeKubeApi({
    user: {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: [plugin],
        env: Object.entries({COUNT_FILE: count, TTL_MS: '3600000', ...env}).map(([name, value]) => ({name, value})),
        interactiveMode: 'Never',
        installHint: 'install the fake plugin',
        provideClusterInfo: true,
        ...exec,
      },
      ...user,
    },
  });
  open.push(api);
  api.objects.set(SERVICES, list([]));
  process.env.KUBECONFIG = api.kubeconfig;
  process.env.FN_API_TIMEOUT_MS = '2000';
  const kube = await KubeHttp.connect();
  return {
    api,
    kube,
    runs: () => (existsSync(count) ? readFileSync(count, 'utf8').split('\n').filter(Boolean).length : 0),
    info: () => JSON.parse(readFileSync(count + '.info', 'utf8')),
  };
}

const tokens = (api: FakeApi) => api.received.map((r) => r.headers.authorization);

async function fnError(promise: Promise<unknown>): Promise<FnError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FnError);
  return error as FnError;
}

describe('exec credential plugins', () => {
  test('run once, used until the credential expires, then run again', async () => {
    const {api, kube, runs, info} = await withPlugin({TTL_MS: '1200'});
    await kube.request('GET', SERVICES);
    await kube.request('GET', SERVICES);
    expect(runs()).toBe(1);
    await new Promise((r) => setTimeout(r, 1400));
    await kube.request('GET', SERVICES);
    expect(runs()).toBe(2);
    expect(tokens(api)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    // KUBERNETES_EXEC_INFO as kubectl sends it: not interactive, with the cluster when asked for.
    expect(info()).toEqual({kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', spec: {interactive: false, cluster: {server: api.url}}});
  });

  test('a 401 (revoked or expired early): run the plugin again once and send the request again with the new token', async () => {
    const {api, kube, runs} = await withPlugin({});
    api.intercept = (r) => (r.headers.authorization === 'Bearer tok-1' ? {status: 401, body: {kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized'}} : undefined);
    await expect(kube.request('GET', SERVICES)).resolves.toMatchObject({items: []});
    expect(runs()).toBe(2);
    expect(tokens(api)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    // And the next request goes out with the new token at once.
    await kube.request('GET', SERVICES);
    expect(runs()).toBe(2);
  });

  test('a 401 that stays: one renewal, then UNAUTHORIZED (exit 9), not a loop', async () => {
    const {api, kube, runs} = await withPlugin({});
    api.intercept = () => ({status: 401, body: {kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized'}});
    const e = await fnError(new KnativeCluster(kube).list('team'));
    expect(e).toMatchObject({code: 'UNAUTHORIZED', exitCode: 9});
    // list asks for services and routes at once: each is sent again once, and they share the one renewal.
    expect(runs()).toBe(2);
    expect(api.requests).toHaveLength(4);
  });

  test('requests sent at once share one plugin run', async () => {
    const {kube, runs} = await withPlugin({});
    await Promise.all([1, 2, 3].map(() => kube.request('GET', SERVICES)));
    expect(runs()).toBe(1);
  });

  test('a plugin that fails: exit 7 with its last stderr line and the kubeconfig\'s installHint', async () => {
    const {kube} = await withPlugin({FAIL: '1'});
    const e = await fnError(kube.request('GET', SERVICES));
    expect(e).toMatchObject({code: 'CREDENTIALS_FAILED', exitCode: 7, suggestion: 'install the fake plugin'});
    expect(e.message).toContain('exit code 3');
    expect(e.message).toContain('no SSO session for profile dev');
  });

  test('a plugin that is not installed: exit 7 saying so', async () => {
    const {kube} = await withPlugin({}, {command: 'fn-test-no-such-plugin', args: []});
    const e = await fnError(kube.request('GET', SERVICES));
    expect(e).toMatchObject({code: 'CREDENTIALS_FAILED', exitCode: 7});
    expect(e.message).toMatch(/"fn-test-no-such-plugin".*was not found/);
  });

  test('a plugin that never finishes: exit 7 within the bound', async () => {
    const {kube} = await withPlugin({HANG: '1'});
    const started = Date.now();
    const e = await fnError(kube.request('GET', SERVICES));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.message).toContain('did not finish within 2s');
  });

  test('interactiveMode Always where nobody can answer (CI): refused, naming why', async () => {
    process.env.CI = 'true';
    const {kube, runs} = await withPlugin({}, {interactiveMode: 'Always'});
    const e = await fnError(kube.request('GET', SERVICES));
    expect(e.message).toContain('interactiveMode: Always');
    expect(runs()).toBe(0);
  });
});

describe('impersonation (as, as-groups, as-uid, as-user-extra)', () => {
  const impersonation = (api: FakeApi) => {
    const raw = api.received[0].rawHeaders;
    const lines: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (/^impersonate-/i.test(raw[i])) lines.push(`${raw[i]}: ${raw[i + 1]}`);
    return lines;
  };

  test('a token user with as: every request carries the Impersonate-* headers, one line per group', async () => {
    const api = await fakeKubeApi({user: {token: 'admin', as: 'ada', 'as-uid': '42', 'as-groups': ['dev', 'ops'], 'as-user-extra': {reason: ['deploy']}}});
    open.push(api);
    api.objects.set(SERVICES, list([]));
    process.env.KUBECONFIG = api.kubeconfig;
    await (await KubeHttp.connect()).request('GET', SERVICES);
    expect(api.received[0].headers.authorization).toBe('Bearer admin');
    expect(impersonation(api)).toEqual(['Impersonate-User: ada', 'Impersonate-Uid: 42', 'Impersonate-Group: dev', 'Impersonate-Group: ops', 'Impersonate-Extra-reason: deploy']);
  });

  test('an exec plugin user with as: the plugin\'s token and the impersonation', async () => {
    const {api, kube} = await withPlugin({}, {}, {as: 'system:serviceaccount:ci:deployer'});
    await kube.request('GET', SERVICES);
    expect(api.received[0].headers.authorization).toBe('Bearer tok-1');
    expect(impersonation(api)).toEqual(['Impersonate-User: system:serviceaccount:ci:deployer']);
  });
});
