/**
 * fn rollout against the local Knative control plane (test/cluster/up.sh): real apiserver, webhook
 * and controller decide Ready, status.traffic and tag URLs, and revisions run as real containers on the
 * harness's node. Here the health gate is pointed (--check-url) at a real HTTP server on 127.0.0.1
 * that each test makes healthy or failing (rollout-live.test.ts gates on the canary's own answers).
 * Functions are deployed with fn's own Knative adapter (the same field manager fn deploy uses).
 *
 * Needs: `npm run build` and a running control plane (KUBECONFIG, else $FN_TESTENV_DIR/kubeconfig).
 */
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {execa, type ResultPromise} from 'execa';
import {existsSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {stringify} from 'yaml';
import type {FunctionConfig} from '../../src/core/function.js';
import type {TrafficTarget} from '../../src/core/knative.js';
import {buildManifests} from '../../src/core/manifests.js';
import type {DeployedFunction, Knative} from '../../src/core/ports.js';
import {parseState, rolloutAnnotation, type RolloutState} from '../../src/core/rollout/state.js';
import {trafficSettled} from '../../src/core/traffic.js';
import {knative} from '../../src/factory.js';
import {fnBin, runFn, expectExit} from '../support/cli.js';
import {digest, missingImage} from '../support/test-image.js';

function kubeconfigPath(): string {
  const path = process.env.KUBECONFIG?.split(':')[0] ?? join(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv', 'kubeconfig');
  if (!existsSync(path)) throw new Error(`${path} does not exist: start the local control plane with test/cluster/up.sh`);
  return path;
}

const KUBECONFIG = kubeconfigPath();
process.env.KUBECONFIG = KUBECONFIG;
const env = {KUBECONFIG, FN_TESTENV_DIR: process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv'};
const ns = `fn-rollout-${Date.now().toString(36)}`;
const image = (seed: string) => digest(seed);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cluster: Knative;
const dirs: string[] = [];

/** A real HTTP server the gate calls: healthy, or answering 500 once `failAfter` requests were served. */
class CheckServer {
  requests = 0;
  failAfter = Number.POSITIVE_INFINITY;
  private server = http.createServer((req, res) => {
    this.requests++;
    res.writeHead(this.requests > this.failAfter ? 500 : 200, {'content-type': 'text/plain'}).end('ok');
  });
  url = '';
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
const servers: CheckServer[] = [];
async function checkServer(): Promise<CheckServer> {
  const server = await new CheckServer().start();
  servers.push(server);
  return server;
}

function configFor(name: string, annotations?: Record<string, string>): FunctionConfig {
  return {name, runtime: 'node', namespace: ns, ...(annotations ? {annotations} : {})};
}

async function functionDir(name: string, annotations?: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fn-rollout-'));
  dirs.push(dir);
  await writeFile(join(dir, 'fn.yaml'), stringify(configFor(name, annotations)));
  return dir;
}

async function get(name: string): Promise<DeployedFunction> {
  const fn = await cluster.get({name, namespace: ns});
  if (!fn) throw new Error(`${name} is gone`);
  return fn;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Deploy as fn deploy does (server-side apply, field manager fn) and wait until it serves. */
async function deploy(name: string, hex: string, traffic?: TrafficTarget[]): Promise<string> {
  const manifests = buildManifests(configFor(name), {image: image(hex), namespace: ns, ...(traffic ? {traffic} : {})});
  await cluster.update({name, namespace: ns}, () => ({kind: 'apply', manifests}));
  await until(`${name} to serve ${manifests.revisionName}`, async () => {
    const fn = await get(name);
    return fn.observed && fn.latestReadyRevisionName === manifests.revisionName && trafficSettled(fn) ? fn : undefined;
  });
  return manifests.revisionName!;
}

function rolloutState(fn: DeployedFunction): RolloutState | undefined {
  const text = fn.annotations[rolloutAnnotation];
  return text === undefined ? undefined : parseState(fn.name, text);
}

/** What Knative routes, comparable across writes: (revision, percent, tag), sorted. */
function routed(fn: DeployedFunction): string[] {
  return fn.statusTraffic.map((t) => `${t.revisionName} ${t.percent ?? 0}%${t.tag ? ` ${t.tag}` : ''}`).sort();
}

async function settled(name: string): Promise<DeployedFunction> {
  return until(`${name}'s route to settle`, async () => {
    const fn = await get(name);
    return fn.observed && trafficSettled(fn) ? fn : undefined;
  });
}


function lines(stdout: string): any[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`not one JSON document per line: ${l}`);
      }
    });
}

function rolloutArgs(name: string, server: CheckServer, extra: string[] = []): string[] {
  const interval = extra.includes('--interval') ? [] : ['--interval', '1s'];
  return ['rollout', name, '-n', ns, '--check-url', server.url, '--check', '/healthz', '--requests', '5', '--steps', '10,50,100', '--timeout', '60s', '--json', ...interval, ...extra];
}

/** Wait until the rollout on `name` has applied step `step`; fail with the driver's output if it ends first. */
async function reachStep(name: string, step: number, driver: ResultPromise): Promise<void> {
  let ended: {exitCode?: number; stdout: unknown; stderr: unknown} | undefined;
  void driver.then((r) => (ended = r));
  await until(`${name} to reach step ${step + 1}`, async () => {
    if (ended) throw new Error(`fn rollout ended before step ${step + 1} (exit ${ended.exitCode})\nstdout: ${ended.stdout}\nstderr: ${ended.stderr}`);
    return rolloutState(await get(name))?.step === step ? true : undefined;
  });
}

/** `fn rollout` in the background, as another shell would run it. */
function background(args: string[]): ResultPromise {
  return execa('node', [fnBin, ...args], {reject: false, stdin: 'ignore', env: {CI: 'true', ...env}});
}

beforeAll(async () => {
  ({knative: cluster} = await knative({}));
  await (cluster as any).kube.request('POST', '/api/v1/namespaces', {body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}}});
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(dirs.map((d) => rm(d, {recursive: true, force: true})));
  await (cluster as any)?.kube.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
});

describe('fn rollout on the local control plane', () => {
  test('a healthy canary goes 10% → 50% → 100% behind gates and ends on @latest', async () => {
    const v1 = await deploy('healthy', 'a1');
    const server = await checkServer();
    const dir = await functionDir('healthy');
    const result = await runFn([...rolloutArgs('healthy', server, ['--path', dir, '--image', image('b2')])], {env});
    const events = lines(result.stdout);
    expectExit(result, 0);
    const done = events.at(-1);
    expect(done).toMatchObject({event: 'done', status: 'succeeded', service: 'healthy'});
    const canary = done.canary as string;
    expect(canary).not.toBe(v1);
    expect(events.filter((e) => e.event === 'trafficMoved').map((e) => e.percent)).toEqual([10, 50, 100]);
    const gates = events.filter((e) => e.event === 'gate');
    expect(gates.map((g) => [g.percent, g.passed, g.requests, g.errors])).toEqual([
      [10, true, 5, 0],
      [50, true, 5, 0],
      [100, true, 5, 0],
    ]);
    expect(server.requests).toBe(15);
    // While at 10% Knative really routed 90/10 with the canary's tag.
    const first = events.find((e) => e.event === 'trafficMoved');
    expect(first.traffic).toEqual([{revisionName: canary, percent: 10, tag: 'canary'}, {revisionName: v1, percent: 90}]);

    const fn = await settled('healthy');
    expect(fn.traffic.map(({latestRevision, percent, tag}) => ({latestRevision, percent, tag}))).toEqual([{latestRevision: true, percent: 100, tag: undefined}]);
    expect(routed(fn)).toEqual([`${canary} 100%`]);
    expect(rolloutState(fn)).toMatchObject({status: 'succeeded', step: 2, canary: {revisionName: canary}});

    const status = await runFn(['rollout', 'status', 'healthy', '-n', ns], {env});
    expectExit(status, 0);
    expect(status.stdout).toContain(`Rollout of ${canary} on healthy: succeeded`);
  }, 120_000);

  test('after a rollout reached 100%, fn rollback puts back the split from before it (fn.dev/traffic-history)', async () => {
    const v1 = await deploy('undone', 'a7');
    const v2 = await deploy('undone', 'b7', [{revisionName: v1, percent: 70, tag: 'stable'}, {latestRevision: true, percent: 30}]);
    const before = routed(await settled('undone'));
    expect(before).toEqual([`${v1} 70% stable`, `${v2} 30%`].sort());
    const server = await checkServer();
    const dir = await functionDir('undone');
    const result = await runFn(rolloutArgs('undone', server, ['--path', dir, '--image', image('c7')]), {env});
    expectExit(result, 0);
    const canary = lines(result.stdout).at(-1).canary as string;
    expect(routed(await settled('undone'))).toEqual([`${canary} 100%`, `${v1} 0% stable`].sort());

    const rollback = await runFn(['rollback', '--name', 'undone', '-n', ns, '--json'], {env});
    expectExit(rollback, 0);
    const restored = JSON.parse(rollback.stdout);
    expect(restored.changed).toBe(true);
    // The split's order is not part of what is restored: compare as a set.
    expect(restored.restored.map((t: {revisionName: string; percent: number}) => `${t.revisionName} ${t.percent}%`).sort()).toEqual([`${v1} 70%`, `${v2} 30%`].sort());
    expect(routed(await settled('undone'))).toEqual(before);
    // The deploys before the rollout (applied here without fn deploy's record) left nothing further back.
    const again = await runFn(['rollback', '--name', 'undone', '-n', ns], {env});
    expectExit(again, 8);
    expect(again.stderr).toContain('fn has no record');
  }, 120_000);

  test('a failing gate rolls back to exactly the split from before, and says what failed', async () => {
    const v1 = await deploy('failing', 'c3');
    const v2 = await deploy('failing', 'd4', [{revisionName: v1, percent: 70, tag: 'stable'}, {latestRevision: true, percent: 30}]);
    const before = routed(await settled('failing'));
    expect(before).toEqual([`${v1} 70% stable`, `${v2} 30%`].sort());
    const server = await checkServer();
    server.failAfter = 5; // the first gate (5 requests) passes, the second fails
    const dir = await functionDir('failing');
    const result = await runFn(rolloutArgs('failing', server, ['--path', dir, '--image', image('e5')]), {env});
    expectExit(result, 13);
    const events = lines(result.stdout);
    expect(events.filter((e) => e.event === 'trafficMoved').map((e) => e.percent)).toEqual([10]);
    const last = events.at(-1);
    expect(last.event).toBe('rolledBack');
    expect(last.error).toMatchObject({code: 'ROLLOUT_ROLLED_BACK', exitCode: 13, details: {step: 2, percent: 50, gate: {passed: false, requests: 5, errors: 5, errorRate: 1}}});
    expect(last.error.message).toContain('error rate 100% (5/5) is above --max-error-rate 1%');

    const fn = await settled('failing');
    expect(routed(fn)).toEqual(before);
    // @latest was pinned to the revision it served, since the canary is the latest revision now.
    expect(fn.traffic.map(({revisionName, percent, tag}) => ({revisionName, percent, tag}))).toEqual([
      {revisionName: v1, percent: 70, tag: 'stable'},
      {revisionName: v2, percent: 30, tag: undefined},
    ]);
    expect(rolloutState(fn)).toMatchObject({status: 'rolledBack', step: 0});
  }, 120_000);

  test('a revision the cluster marks failed stops the rollout before any traffic moves', async () => {
    const v1 = await deploy('broken', 'f6');
    const server = await checkServer();
    const dir = await functionDir('broken');
    const result = await runFn(rolloutArgs('broken', server, ['--path', dir, '--image', missingImage()]), {env});
    expectExit(result, 13);
    const last = lines(result.stdout).at(-1);
    expect(last.error.message).toMatch(/revision broken-\w+ failed: .*(ErrImagePull|ImagePullBackOff)/);
    expect(last.error.message).toContain('manifest unknown');
    expect(last.error.details).toMatchObject({step: 1, percent: 10});
    expect(server.requests).toBe(0);
    expect(routed(await settled('broken'))).toEqual([`${v1} 100%`]);
  }, 120_000);

  test('abort from a second process puts the prior split back; the first exits rolled back', async () => {
    const v1 = await deploy('aborted', 'b8');
    const server = await checkServer();
    const dir = await functionDir('aborted');
    const first = background(rolloutArgs('aborted', server, ['--path', dir, '--image', image('c9'), '--interval', '60s']));
    await reachStep('aborted', 0, first);

    // A second rollout is refused while this one runs.
    const second = await runFn(['rollout', 'aborted', '-n', ns, '--path', dir, '--image', image('d0'), '--check-url', server.url], {env});
    expectExit(second, 3);
    expect(second.stderr).toContain('already has a rollout in progress');

    const abort = await runFn(['rollout', 'abort', 'aborted', '-n', ns, '--json'], {env});
    expectExit(abort, 0);
    expect(JSON.parse(abort.stdout)).toMatchObject({event: 'aborted', status: 'aborted', traffic: [{revisionName: v1, percent: 100}]});

    const driver = await first;
    expectExit(driver, 13);
    expect(lines(String(driver.stdout)).at(-1).error).toMatchObject({code: 'ROLLOUT_ABORTED'});
    const fn = await settled('aborted');
    expect(routed(fn)).toEqual([`${v1} 100%`]);
    expect(rolloutState(fn)).toMatchObject({status: 'aborted'});
  }, 120_000);

  test('a killed rollout is resumed from its last step by another process', async () => {
    const v1 = await deploy('resumed', 'e1');
    const server = await checkServer();
    const dir = await functionDir('resumed');
    const first = background(rolloutArgs('resumed', server, ['--path', dir, '--image', image('f2'), '--interval', '5s']));
    await reachStep('resumed', 0, first);
    first.kill('SIGKILL');
    await first;

    const status = await runFn(['rollout', 'status', 'resumed', '-n', ns, '--json'], {env});
    expect(JSON.parse(status.stdout)).toMatchObject({ownerAlive: false, rollout: {status: 'running', step: 0}});
    expect(routed(await get('resumed'))).toContain(`${v1} 90%`);

    const resumed = await runFn(['rollout', 'resume', 'resumed', '-n', ns, '--json'], {env});
    expectExit(resumed, 0);
    const events = lines(resumed.stdout);
    // 1-based like every step in the events: the driver was killed at step 1 (10%), so it resumes at step 2.
    expect(events[0]).toMatchObject({event: 'started', resumedFromStep: 2});
    expect(events.filter((e) => e.event === 'trafficMoved').map((e) => e.percent)).toEqual([50, 100]);
    const fn = await settled('resumed');
    expect(rolloutState(fn)).toMatchObject({status: 'succeeded'});
    expect(routed(fn)).toEqual([`${events.at(-1).canary} 100%`]);
  }, 120_000);

  test('--check-cmd gates on a command\'s exit code, with the step in its environment', async () => {
    const v1 = await deploy('commanded', 'c5');
    const dir = await functionDir('commanded');
    const check = 'echo "checking $FN_ROLLOUT_REVISION at $FN_ROLLOUT_PERCENT%"; test "$FN_ROLLOUT_PERCENT" -lt 50';
    const args = ['rollout', 'commanded', '-n', ns, '--path', dir, '--image', image('d6'), '--check-cmd', check, '--steps', '10,50,100', '--interval', '1s', '--json'];
    const result = await runFn(args, {env});
    expectExit(result, 13);
    const events = lines(result.stdout);
    // The message first: when the rollout stopped for another reason, it says which.
    expect(events.at(-1).error.message).toMatch(/--check-cmd exited 1: checking commanded-\w+ at 50%/);
    expect(events.filter((e) => e.event === 'gate').map((e) => e.passed)).toEqual([true, false]);
    expect(routed(await settled('commanded'))).toEqual([`${v1} 100%`]);
  }, 120_000);

  test('Ctrl-C rolls back', async () => {
    const v1 = await deploy('interrupted', 'a3');
    const server = await checkServer();
    const dir = await functionDir('interrupted');
    const driver = background(rolloutArgs('interrupted', server, ['--path', dir, '--image', image('b4'), '--interval', '60s']));
    await reachStep('interrupted', 0, driver);
    driver.kill('SIGINT');
    const result = await driver;
    expectExit(result, 13);
    expect(lines(String(result.stdout)).at(-1).error.message).toContain('interrupted (Ctrl-C)');
    expect(routed(await settled('interrupted'))).toEqual([`${v1} 100%`]);
  }, 120_000);
});
