// fn logs against real pods: a line the function logs while answering a request shows in `fn logs`,
// and `fn logs -f` follows the line of a request made after it started.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import {execa} from 'execa';
import {randomUUID} from 'node:crypto';
import {fnBin, runFn, expectExit} from '../support/cli.js';
import {TestCluster} from '../support/knative-env.js';
import {clusterFnEnv, initFunction} from '../support/function-project.js';

const TIMEOUT = 600_000;
const cluster = new TestCluster();
let ns: string;
let dir: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-logs');
  dir = await initFunction('talker', 'node');
  const deployed = await runFn(['deploy', '--path', dir, '-n', ns], {env: clusterFnEnv()});
  expectExit(deployed, 0);
}, TIMEOUT);
afterAll(() => cluster.cleanup());

async function invoke(name: string): Promise<void> {
  const r = await runFn(['invoke', '--target', 'remote', '-n', ns, '--data', JSON.stringify({name})], {env: clusterFnEnv(), cwd: dir});
  expectExit(r, 0);
}

test('a line logged during a request shows in fn logs (text and --json)', async () => {
  const who = `ada-${randomUUID().slice(0, 8)}`;
  await invoke(who);
  const text = await runFn(['logs', '-n', ns], {env: clusterFnEnv(), cwd: dir});
  expectExit(text, 0);
  expect(text.stdout).toContain(`talker: saying hello to ${who}`);
  // One revision: no [revision] prefix.
  expect(text.stdout).not.toMatch(/^\[talker-/m);

  // --json is one object a line (not one document): parse line by line.
  const json = await runFn(['logs', 'talker', '-n', ns, '--tail', '50', '--json'], {env: clusterFnEnv()});
  expectExit(json, 0);
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const mine = lines.find((l) => l.line.includes(who));
  expect(mine).toMatchObject({revision: expect.stringMatching(/^talker-/), pod: expect.stringMatching(/^talker-.*-deployment-/), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)});
}, TIMEOUT);

test('fn logs -f follows a new request\'s line', async () => {
  const who = `grace-${randomUUID().slice(0, 8)}`;
  const follow = execa('node', [fnBin, 'logs', '-f', '-n', ns, '--tail', '0'], {cwd: dir, env: {CI: 'true', ...clusterFnEnv()}, reject: false, stdin: 'ignore'});
  let out = '';
  const seen = new Promise<void>((resolve) => {
    follow.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(who)) resolve();
    });
  });
  try {
    // The follower is connected once it says so on stderr.
    await new Promise<void>((resolve) => follow.stderr!.on('data', (c: Buffer) => c.toString().includes('following') && resolve()));
    await new Promise((r) => setTimeout(r, 1000));
    await invoke(who);
    await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error(`fn logs -f did not print the line; it printed:\n${out}`)), 20_000))]);
    expect(out).toContain(`talker: saying hello to ${who}`);
  } finally {
    follow.kill('SIGINT');
    const ended = await follow;
    expectExit(ended, 0);
  }
}, TIMEOUT);

test('an unknown tag: exit 8, naming it', async () => {
  const r = await runFn(['logs', 'talker', '-n', ns, '--tag', 'nope'], {env: clusterFnEnv()});
  expectExit(r, 8);
  expect(r.stderr).toContain('has no tag "nope"');
}, TIMEOUT);
