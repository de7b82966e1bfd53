// CLI start-up, measured against `node -e 0` in the same run (alternating, medians):
//  - whole commands that need no cluster: fn --version and fn --help (with and without their answers
//    written at build time), fn templates, fn init;
//  - cluster commands on the local control plane (test/cluster/up.sh), when it is running, on a
//    deployed function: the time from launch to the first API request (a TCP proxy in front of the
//    API server notes each connection), and whole `fn traffic --dry-run`.
// Goals (issue 13): first API request ≤ 1.5× node -e 0; fn templates, fn init, fn traffic --dry-run
// ≤ 1.5× node -e 0. Written to bench/RESULTS.md by bench/cli/run.sh.
import {execa} from 'execa';
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';

const fnBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const out = process.argv[2] ?? join(tmpdir(), 'fn-bench-cli.md');
const RUNS = Number(process.env.FN_BENCH_RUNS ?? 21);

interface Case {
  label: string;
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Runs before each run, not timed. */
  prepare?: () => Promise<void>;
  /** A cluster command: its first API request is timed too. */
  cluster?: boolean;
  goal?: 'whole' | 'first';
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runOnce(c: Case, env: Record<string, string>): Promise<{t0: number; ms: number; code: number | null}> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(c.argv[0], c.argv.slice(1), {cwd: c.cwd, stdio: 'ignore', env: {...process.env, CI: 'true', ...env, ...c.env}});
    p.on('error', reject);
    p.on('exit', (code) => resolve({t0, ms: performance.now() - t0, code}));
  });
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'fn-bench-cli-'));
  const node = process.execPath;
  const cases: Case[] = [
    {label: 'node -e 0', argv: [node, '-e', '0']},
    {label: 'fn --version', argv: [node, fnBin, '--version']},
    {label: 'fn --version (oclif, no build-time answer)', argv: [node, fnBin, '--version'], env: {FN_NO_FAST_PATH: '1'}},
    {label: 'fn --help', argv: [node, fnBin, '--help']},
    {label: 'fn --help (oclif, no build-time answer)', argv: [node, fnBin, '--help'], env: {FN_NO_FAST_PATH: '1'}},
    {label: 'fn templates', argv: [node, fnBin, 'templates'], goal: 'whole'},
    {label: 'fn init (node http)', argv: [node, fnBin, 'init', join(work, 'init', 'f'), '--runtime', 'node', '--name', 'f'], prepare: () => rm(join(work, 'init'), {recursive: true, force: true}), goal: 'whole'},
  ];

  // The cluster part, when the local control plane runs: one deployed function (two revisions, tags v1 and v2).
  const kubeconfig = process.env.KUBECONFIG ?? '/tmp/fn-testenv/kubeconfig';
  let proxy: {kubeconfig: string; firstAfter: (t: number) => number | undefined; close: () => Promise<void>} | undefined;
  let cleanup = async () => {};
  if (existsSync(kubeconfig) && !process.env.FN_BENCH_NO_CLUSTER) {
    const {TestCluster} = await import('../../test/support/knative-env.js');
    const {digest} = await import('../../test/support/test-image.js');
    // @ts-expect-error: plain JavaScript
    const {apiProxy} = await import('../support/api-proxy.mjs');
    const cluster = new TestCluster();
    cleanup = () => cluster.cleanup();
    const ns = await cluster.namespace('fn-bench-cli');
    const dir = join(work, 'hello');
    await execa(node, [fnBin, 'init', dir, '--runtime', 'node', '--name', 'hello'], {env: {CI: 'true'}});
    const deployEnv = {CI: 'true', KUBECONFIG: kubeconfig};
    await execa(node, [fnBin, 'deploy', '--image', digest('a1'), '--tag', 'v1', '-n', ns], {cwd: dir, env: deployEnv});
    await execa(node, [fnBin, 'deploy', '--image', digest('b2'), '--tag', 'v2', '--no-traffic', '-n', ns], {cwd: dir, env: deployEnv});
    proxy = await apiProxy(kubeconfig, join(work, 'kubeconfig'));
    const at = {cwd: dir, cluster: true as const, goal: 'first' as const};
    cases.push(
      {label: 'fn traffic --split v1=90,v2=10 --dry-run', argv: [node, fnBin, 'traffic', '--split', 'v1=90,v2=10', '--dry-run', '-n', ns], cwd: dir, cluster: true, goal: 'whole'},
      {label: 'fn deploy --image … (unchanged)', argv: [node, fnBin, 'deploy', '--image', digest('a1'), '--tag', 'v1', '-n', ns], ...at},
      {label: 'fn traffic', argv: [node, fnBin, 'traffic', '-n', ns], ...at},
      {label: 'fn revisions', argv: [node, fnBin, 'revisions', '-n', ns], ...at},
      {label: 'fn describe', argv: [node, fnBin, 'describe', '-n', ns], ...at},
      {label: 'fn list', argv: [node, fnBin, 'list', '-n', ns], ...at},
      {label: 'fn rollout status', argv: [node, fnBin, 'rollout', 'status', '-n', ns], ...at},
      {label: 'fn logs', argv: [node, fnBin, 'logs', '--tail', '1', '-n', ns], ...at},
      {label: 'fn subscriptions', argv: [node, fnBin, 'subscriptions', '-n', ns], ...at},
    );
  }

  const env: Record<string, string> = proxy ? {KUBECONFIG: proxy.kubeconfig} : {};
  // Warm-up: the first run of each command after a build writes its code cache.
  for (const c of cases) {
    await c.prepare?.();
    await runOnce(c, env);
  }
  const results = cases.map(() => ({ms: [] as number[], first: [] as number[], failed: 0}));
  for (let i = 0; i < RUNS; i++) {
    for (const [k, c] of cases.entries()) {
      await c.prepare?.();
      const r = await runOnce(c, env);
      results[k].ms.push(r.ms);
      if (r.code !== 0) results[k].failed++;
      const first = c.cluster ? proxy!.firstAfter(r.t0) : undefined;
      if (first !== undefined && first <= r.ms) results[k].first.push(first);
    }
  }
  await proxy?.close();
  await cleanup();
  await rm(work, {recursive: true, force: true});

  const base = median(results[0].ms);
  const rows = cases.map((c, k) => {
    const r = results[k];
    const ms = median(r.ms);
    const first = r.first.length ? median(r.first) : undefined;
    const measured = c.goal === 'first' ? first : ms;
    const goal = c.goal && measured !== undefined ? `${c.goal === 'first' ? 'first request' : 'whole'} ≤ 1.5× ${measured / base <= 1.5 ? '✔' : '✘'}` : '';
    return `| ${c.label}${r.failed ? ` (${r.failed} runs failed)` : ''} | ${ms.toFixed(1)} | ${(ms / base).toFixed(2)} | ${first === undefined ? '' : first.toFixed(1)} | ${first === undefined ? '' : (first / base).toFixed(2)} | ${goal} |`;
  });
  const md = [
    '## CLI start-up',
    '',
    `Command: \`bash bench/cli/run.sh\` (${RUNS} runs of each, alternating, after one warm-up run each; medians; cluster rows on a function deployed to the local control plane, when it runs).`,
    `Machine: 2 cores shared with other work, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end, ${new Date().toISOString().slice(0, 10)}.${process.env.FN_BENCH_NOTE ? ` ${process.env.FN_BENCH_NOTE}` : ''}`,
    '',
    '| command | median ms | × node -e 0 | first API request ms | × node -e 0 | goal |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '`fn --version` and the root `fn --help` are answered from files written at build time (the rows "oclif, no build-time answer" show them without); every other row runs oclif and the command from the bundle (dist/fn.cjs, with its V8 code cache).',
  ].join('\n');
  await writeFile(out, md + '\n');
  process.stdout.write(md + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
