// The whole flow against the real Knative control plane, in both routing modes:
// init → deploy v1 → deploy v2 --tag v2 --no-traffic → traffic --split v1=90,v2=10 (Knative's
// status.traffic shows it, with the v2 tag URL) → rollback → revisions --json → delete.
// Needs `npm run build` and test/cluster/up.sh.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {appendFile, mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterEnv, condition, digest, DOMAIN, TestCluster} from '../support/knative-env.js';

const TIMEOUT = 180_000;

describe.each(['service', 'route'] as const)('routing "%s": deploy, canary, rollback, delete', (routing) => {
  const cluster = new TestCluster();
  let ns: string;
  let dir: string;
  let v1: string;
  let v2: string;
  const env = () => clusterEnv();
  const fn = (args: string[]) => runFn([...args, '--path', dir, '-n', ns], {env: env()});
  const fnJson = (args: string[]) => runFnJson([...args, '--path', dir, '-n', ns], {env: env()});
  const holder = () => cluster.trafficHolder(routing, ns, 'hello');
  const routed = async () =>
    ((await holder())?.status?.traffic ?? []).map((t: any) => ({revisionName: t.revisionName, percent: t.percent, ...(t.tag ? {tag: t.tag, url: t.url} : {})}));

  beforeAll(async () => {
    ns = await cluster.namespace(`fn-flow-${routing}`);
    dir = join(await mkdtemp(join(tmpdir(), 'fn-flow-')), 'hello');
    const init = await runFn(['init', dir, '--runtime', 'node']);
    expectExit(init, 0);
    if (routing === 'route') await appendFile(join(dir, 'fn.yaml'), 'deploy:\n  routing: route\n');
  }, TIMEOUT);
  afterAll(() => cluster.cleanup());

  test('deploy v1 (tagged v1) waits until Ready and prints the URLs', async () => {
    const r = await fnJson(['deploy', '--image', digest('a1'), '--tag', 'v1']);
    expectExit(r, 0);
    v1 = r.json.revision;
    expect(v1).toMatch(/^hello-[0-9a-f]{10}$/);
    expect(r.json).toMatchObject({service: 'hello', namespace: ns, routing, image: digest('a1'), ready: true, newRevision: true, url: `http://hello.${ns}.${DOMAIN}`});
    expect(r.json.tags).toEqual([{tag: 'v1', revision: v1, url: `http://v1-hello.${ns}.${DOMAIN}`}]);
    expect(await routed()).toEqual(
      expect.arrayContaining([{revisionName: v1, percent: 100}, {revisionName: v1, percent: 0, tag: 'v1', url: `http://v1-hello.${ns}.${DOMAIN}`}]),
    );
    if (routing === 'route') {
      expect(await cluster.get('services', ns, 'hello')).toBeUndefined();
      expect(await cluster.get('configurations', ns, 'hello')).toBeDefined();
    }
  }, TIMEOUT);

  test('deploying unchanged inputs again creates no new revision', async () => {
    const before = await holder();
    const r = await fn(['deploy', '--image', digest('a1'), '--tag', 'v1']);
    expectExit(r, 0);
    expect(r.stderr).toContain('unchanged');
    const after = await holder();
    expect(after?.metadata.generation).toBe(before?.metadata.generation);
    expect(await cluster.list('revisions', ns, 'serving.knative.dev/configuration=hello')).toHaveLength(1);
  }, TIMEOUT);

  test('deploy v2 --tag v2 --no-traffic: v2 gets its own URL and 0%', async () => {
    const r = await fnJson(['deploy', '--image', digest('b2'), '--tag', 'v2', '--no-traffic']);
    expectExit(r, 0);
    v2 = r.json.revision;
    expect(v2).not.toBe(v1);
    expect(r.json.tags).toEqual(
      expect.arrayContaining([
        {tag: 'v1', revision: v1, url: `http://v1-hello.${ns}.${DOMAIN}`},
        {tag: 'v2', revision: v2, url: `http://v2-hello.${ns}.${DOMAIN}`},
      ]),
    );
    const traffic = await routed();
    expect(traffic.filter((t: any) => t.revisionName === v2).map((t: any) => t.percent)).toEqual([0]);
    expect(traffic.filter((t: any) => t.revisionName === v1).reduce((sum: number, t: any) => sum + t.percent, 0)).toBe(100);
  }, TIMEOUT);

  test('traffic --split v1=90,v2=10: Knative reports 90/10 and the v2 tag URL', async () => {
    const r = await fnJson(['traffic', '--split', 'v1=90,v2=10']);
    expectExit(r, 0);
    expect(r.json.changed).toBe(true);
    const expected = [
      {revisionName: v1, percent: 90, tag: 'v1', url: `http://v1-hello.${ns}.${DOMAIN}`},
      {revisionName: v2, percent: 10, tag: 'v2', url: `http://v2-hello.${ns}.${DOMAIN}`},
    ];
    expect(await routed()).toEqual(expected);
    expect(r.json.routed.map((t: any) => ({revisionName: t.revisionName, percent: t.percent, tag: t.tag, url: t.url}))).toEqual(expected);
    expect(condition(await holder(), 'Ready')?.status).toBe('True');
  }, TIMEOUT);

  test('fn traffic alone shows the split', async () => {
    const r = await fn(['traffic']);
    expectExit(r, 0);
    expect(r.stdout).toMatch(new RegExp(`v1\\s+${v1}\\s+90%`));
    expect(r.stdout).toMatch(new RegExp(`v2\\s+${v2}\\s+10%\\s+http://v2-hello`));
  }, TIMEOUT);

  test('revisions --json: newest first, with tags, traffic and readiness', async () => {
    const r = await fnJson(['revisions']);
    expectExit(r, 0);
    expect(r.json.map((row: any) => [row.name, row.traffic, row.tags, row.ready, row.image])).toEqual([
      [v2, 10, ['v2'], 'True', digest('b2')],
      [v1, 90, ['v1'], 'True', digest('a1')],
    ]);
    const table = await fn(['revisions']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+TAGS\s+TRAFFIC\s+READY\s+REASON\s+AGE\s+IMAGE$/);
  }, TIMEOUT);

  test('rollback undoes the split: all traffic back to v1, both tags kept', async () => {
    const r = await fnJson(['rollback']);
    expectExit(r, 0);
    expect(r.json).toMatchObject({from: v2, to: v1, changed: true});
    expect(await routed()).toEqual([
      {revisionName: v1, percent: 100, tag: 'v1', url: `http://v1-hello.${ns}.${DOMAIN}`},
      {revisionName: v2, percent: 0, tag: 'v2', url: `http://v2-hello.${ns}.${DOMAIN}`},
    ]);
    // The split change is undone; what served before the first deploys was nothing fn recorded.
    const again = await fn(['rollback']);
    expectExit(again, 8);
    expect(again.stderr).toContain('fn has no record of what served hello before its current split');
  }, TIMEOUT);

  test('describe and list show it', async () => {
    const d = await fnJson(['describe']);
    expectExit(d, 0);
    expect(d.json).toMatchObject({name: 'hello', namespace: ns, routing, url: `http://hello.${ns}.${DOMAIN}`, latestCreatedRevision: v2, latestReadyRevision: v2});
    expect(d.json.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    const l = await runFnJson(['list', '-n', ns], {env: env()});
    expect(l.json).toEqual([expect.objectContaining({name: 'hello', namespace: ns, routing, ready: 'True', managedByFn: true})]);
    const all = await runFnJson(['list', '-A'], {env: env()});
    expect(all.json.some((f: any) => f.namespace === ns && f.name === 'hello')).toBe(true);
    // A namespace that does not exist is said to be missing (exit 8), not shown as empty.
    const typo = await runFnJson(['list', '-n', `${ns}-typo`], {env: env()});
    expect([typo.exitCode, typo.json.error.code, typo.json.error.message]).toEqual([8, 'NAMESPACE_NOT_FOUND', `namespace "${ns}-typo" does not exist`]);
    expect((await runFnJson(['list', '-n', 'kube-public'], {env: env()})).json).toEqual([]);
  }, TIMEOUT);

  test('delete needs --yes in CI, then removes the function and its revisions', async () => {
    const refused = await fn(['delete']);
    expectExit(refused, 2);
    expect(refused.stderr).toContain('--yes');
    expect(await holder()).toBeDefined();
    const r = await fn(['delete', '--yes']);
    expectExit(r, 0);
    expect(await holder()).toBeUndefined();
    expect(await cluster.get('configurations', ns, 'hello')).toBeUndefined();
    expect(await cluster.list('revisions', ns, 'serving.knative.dev/configuration=hello')).toEqual([]);
    const gone = await fn(['describe']);
    expectExit(gone, 8);
  }, TIMEOUT);
});
