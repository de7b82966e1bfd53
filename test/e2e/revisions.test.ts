// fn revisions (prune) and revision reuse against the real control plane.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterEnv, digest, TestCluster} from '../support/knative-env.js';

const TIMEOUT = 180_000;
const cluster = new TestCluster();
let ns: string;
let dir: string;
const revisions: string[] = [];

beforeAll(async () => {
  ns = await cluster.namespace('fn-prune');
  dir = join(await mkdtemp(join(tmpdir(), 'fn-prune-')), 'hello');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  // Four revisions: the first tagged "old", the last taking all traffic.
  for (const [i, seed] of ['a1', 'b2', 'c3', 'd4'].entries()) {
    const r = await runFnJson(['deploy', '--path', dir, '-n', ns, '--image', digest(seed), ...(i === 0 ? ['--tag', 'old'] : [])], {env: clusterEnv()});
    expectExit(r, 0);
    revisions.push(r.json.revision);
  }
}, TIMEOUT);
afterAll(() => cluster.cleanup());

test('prune: dry run, --yes needed in CI, then only unrouted revisions go (--keep keeps the newest)', async () => {
  const [first, second, third, latest] = revisions;
  const dry = await runFnJson(['revisions', 'prune', '--path', dir, '-n', ns, '--dry-run'], {env: clusterEnv()});
  expect(dry.json).toMatchObject({dryRun: true, deleted: [third, second]});

  const refused = await runFn(['revisions', 'prune', '--path', dir, '-n', ns], {env: clusterEnv()});
  expectExit(refused, 2);
  expect(refused.stderr).toContain('--yes');

  const pruned = await runFnJson(['revisions', 'prune', '--path', dir, '-n', ns, '--keep', '1', '--yes'], {env: clusterEnv()});
  expectExit(pruned, 0);
  expect(pruned.json).toMatchObject({deleted: [second], kept: [third]});
  const left = (await cluster.list('revisions', ns, 'serving.knative.dev/configuration=hello')).map((r) => r.metadata.name).sort();
  expect(left).toEqual([first, third, latest].sort());
}, TIMEOUT);

test('deploying an earlier revision\'s inputs again reuses that revision (no new one), and traffic follows', async () => {
  const [first] = revisions;
  const r = await runFnJson(['deploy', '--path', dir, '-n', ns, '--image', digest('a1'), '--tag', 'old'], {env: clusterEnv()});
  expectExit(r, 0);
  expect(r.json).toMatchObject({revision: first, newRevision: false, ready: true});
  const service = await cluster.get('services', ns, 'hello');
  expect(service?.status.latestReadyRevisionName).toBe(first);
  expect(service?.status.traffic.find((t: {percent: number}) => t.percent === 100)?.revisionName).toBe(first);
  expect((await cluster.list('revisions', ns, 'serving.knative.dev/configuration=hello')).length).toBe(3);
}, TIMEOUT);
