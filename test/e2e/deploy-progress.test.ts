// What a person sees while fn deploys, on the local cluster: under a pseudo-terminal (util-linux
// `script`) one live line per phase, rewritten in place (carriage return + erase-line), then the summary;
// in a log (no terminal, CI) plain lines, no condition line twice in a row and no flip back to Unknown.
// Needs `npm run build`, test/cluster/up.sh and test/env/docker-up.sh.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import {execa} from 'execa';
import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {expectExit, fnBin, runFn} from '../support/cli.js';
import {clusterEnv, digest, DOMAIN, TestCluster} from '../support/knative-env.js';

const TIMEOUT = 240_000;
const REPLACE_LINE = '\r\x1b[2K';
const cluster = new TestCluster();
let ns: string;
let dir: string;

/** What the terminal shows at the end: each line as its last carriage return left it. */
function screen(output: string): string[] {
  return output
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => stripVTControlCharacters(line.split('\r').at(-1) ?? '').trimEnd())
    .filter(Boolean);
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

beforeAll(async () => {
  ns = await cluster.namespace('fn-tty');
  dir = join(await mkdtemp(join(tmpdir(), 'fn-tty-')), 'progress');
  expectExit(await runFn(['init', dir, '--runtime', 'node']), 0);
}, TIMEOUT);
afterAll(async () => {
  await cluster.cleanup();
});

test('on a terminal: one live line per phase, replaced in place, then the summary', async () => {
  const image = digest('tty-v1');
  // A terminal wide enough for the whole lines (the pty's own width, with no terminal around it, is 80).
  const command = `stty cols 200; ${['node', fnBin, 'deploy', '--image', image, '--path', dir, '-n', ns].map(quote).join(' ')}`;
  // A terminal user's environment: no CI, no NO_COLOR, a TERM.
  const env: Record<string, string> = {PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm-256color', ...clusterEnv()};
  for (const name of ['NODE_EXTRA_CA_CERTS', 'FN_TESTENV_DIR', 'FN_TESTENV_DOMAIN', 'FN_TESTENV_INGRESS']) if (process.env[name]) env[name] = process.env[name]!;
  const run = await execa('script', ['-qfec', command, '/dev/null'], {reject: false, stdin: 'ignore', env, extendEnv: false});
  const raw = String(run.stdout);
  expectExit({...run, stdout: raw}, 0);

  const shown = screen(raw);
  const revision = /revision (\S+) ready/.exec(shown.join('\n'))?.[1];
  expect(revision).toMatch(/^progress-[0-9a-f]+$/);
  // Every phase ends as one settled line, in order; no condition dump.
  const phases = shown.filter((l) => /^[✔✖] /.test(l));
  expect(phases.map((l) => l.replace(/\s+[\d.]+s$|[\d.]+s$/, ''))).toEqual([
    `✔ Creating progress in namespace ${ns}: revision ${revision}`,
    `✔ Waiting for revision ${revision}`,
    `✔ Routing traffic to ${revision}`,
    expect.stringMatching(/^✔ Done in$/),
  ]);
  for (const line of phases.slice(0, -1)) expect(line).toMatch(/  \d+\.\ds$/);
  expect(shown.filter((l) => /^(Ready|RoutesReady|ConfigurationsReady): /.test(l))).toEqual([]);
  // The summary, as without a terminal.
  expect(shown.slice(phases.length)).toEqual([
    `Service progress in ${ns}: revision ${revision} ready`,
    `URL:     http://progress.${ns}.${DOMAIN}`,
    'Traffic: @latest 100%',
  ]);

  // The live lines replaced each other: the waiting phase was drawn more than once, each time after a
  // carriage return and erase-line, and never on a line of its own before it settled.
  const drawn = raw.split(REPLACE_LINE).map(stripVTControlCharacters);
  expect(drawn.filter((d) => d.includes(`Waiting for revision ${revision}`)).length).toBeGreaterThan(1);
  expect(raw.split('\n').filter((l) => l.includes('Waiting for revision')).length).toBe(1);
  // Spinner frames and elapsed time move while it waits.
  expect(new Set(drawn.map((d) => d.match(/^([⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]) /)?.[1]).filter(Boolean)).size).toBeGreaterThan(1);
}, TIMEOUT);

test('in a log: plain lines, no condition line twice in a row, no flip back to Unknown', async () => {
  // An update (the function exists): where Knative's RoutesReady goes True → Unknown → True.
  const r = await runFn(['deploy', '--image', digest('tty-v2'), '--path', dir, '-n', ns], {env: clusterEnv()});
  expectExit(r, 0);
  expect(r.stderr).not.toMatch(/[\r\x1b]/);
  const lines = r.stderr.split('\n').filter(Boolean);
  const revision = /revision (\S+) ready/.exec(r.stdout)?.[1];
  expect(lines).toEqual(expect.arrayContaining([`Updating progress in namespace ${ns}: revision ${revision}`, `Waiting for revision ${revision}`, 'Ready: True']));
  for (let i = 1; i < lines.length; i++) expect(lines[i]).not.toBe(lines[i - 1]);
  const wasTrue = new Set<string>();
  for (const line of lines) {
    const c = /^(\w+): (True|False|Unknown)/.exec(line);
    if (!c) continue;
    expect({line, flipBack: c[2] === 'Unknown' && wasTrue.has(c[1])}).toEqual({line, flipBack: false});
    if (c[2] === 'True') wasTrue.add(c[1]);
  }
  // Only Ready speaks while it waits (it carries the message of what holds it back), or a failing condition:
  // no message repeated under ConfigurationsReady and RoutesReady.
  expect(lines.filter((l) => /^(ConfigurationsReady|RoutesReady): (True|Unknown)/.test(l))).toEqual([]);
  expect(r.stdout).toContain(`URL:     http://progress.${ns}.${DOMAIN}`);
}, TIMEOUT);
