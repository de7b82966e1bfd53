// Deploy benchmarks against the local control plane (test/cluster/up.sh), written to bench/RESULTS.md
// by bench/deploy/run.sh:
//  1. API requests each command makes (FN_TRACE_HTTP=1 makes the adapter log and count them): the
//     goal is no polling — a handful each, waits done by one watch.
//  2. `fn revisions` wall time on a function with 500 revisions (goal < 1.5 s): the revisions are
//     created directly as Revision objects (cheap), labelled as the function's.
import {execa} from 'execa';
import {appendFile, mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {TestCluster, kubeconfigPath} from '../../test/support/knative-env.js';
import {digest} from '../../test/support/test-image.js';
import {createRevisions, settleRevisions} from '../support/revisions.js';

const fnBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const out = process.argv[2] ?? join(tmpdir(), 'fn-bench-deploy.md');
const REVISIONS = Number(process.env.FN_BENCH_REVISIONS ?? 500);
const RUNS = Number(process.env.FN_BENCH_RUNS ?? 7);

interface Measured {
  label: string;
  command: string;
  requests: number;
  watches: number;
  ms: number;
}

async function fn(args: string[], trace = true): Promise<{ms: number; stdout: string; stderr: string; requests: number; watches: number}> {
  const started = performance.now();
  const r = await execa('node', [fnBin, ...args], {reject: false, env: {KUBECONFIG: kubeconfigPath(), CI: 'true', ...(trace ? {FN_TRACE_HTTP: '1'} : {})}});
  const ms = performance.now() - started;
  if (r.exitCode !== 0) throw new Error(`fn ${args.join(' ')} exited ${r.exitCode}:\n${r.stderr}`);
  const lines = String(r.stderr).split('\n').filter((l) => l.startsWith('[fn http] ') && !l.includes('watch closed') && !l.includes('API request(s)'));
  return {ms, stdout: String(r.stdout), stderr: String(r.stderr), requests: lines.length, watches: lines.filter((l) => l.startsWith('[fn http] WATCH')).length};
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const cluster = new TestCluster();
  const ns = await cluster.namespace('fn-bench');
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-bench-')), 'hello');
  try {
    await execa('node', [fnBin, 'init', dir, '--runtime', 'node']);
    const at = ['--path', dir, '-n', ns];
    const steps: Array<[string, string[]]> = [
      ['deploy (new function)', ['deploy', '--image', digest('a1'), '--tag', 'v1', ...at]],
      ['deploy (unchanged inputs)', ['deploy', '--image', digest('a1'), '--tag', 'v1', ...at]],
      ['deploy --tag v2 --no-traffic', ['deploy', '--image', digest('b2'), '--tag', 'v2', '--no-traffic', ...at]],
      ['traffic --split v1=90,v2=10', ['traffic', '--split', 'v1=90,v2=10', ...at]],
      ['traffic (show)', ['traffic', ...at]],
      ['revisions', ['revisions', ...at]],
      ['rollback', ['rollback', ...at]],
      ['describe', ['describe', ...at]],
      // Progressive rollouts of 2 and 4 steps (gate: a command that passes, no wait between steps):
      // the difference is what two more steps cost.
      ['rollout, 2 steps', ['rollout', '--image', digest('c3'), '--steps', '50,100', '--interval', '1ms', '--check-cmd', 'true', ...at]],
      ['rollout, 4 steps', ['rollout', '--image', digest('d4'), '--steps', '5,25,50,100', '--interval', '1ms', '--check-cmd', 'true', ...at]],
    ];
    const measured: Measured[] = [];
    for (const [label, args] of steps) {
      const r = await fn(args);
      const shown = args.filter((a, i) => !['--path', '-n'].includes(a) && !['--path', '-n'].includes(args[i - 1])).map((a) => a.replace(/@sha256:[0-9a-f]{64}/, '@sha256:…'));
      measured.push({label, command: `fn ${shown.join(' ')}`, requests: r.requests, watches: r.watches, ms: r.ms});
      process.stderr.write(`${label}: ${r.requests} requests (${r.watches} watch), ${r.ms.toFixed(0)} ms\n`);
    }

    // 500 revisions: create Revision objects directly (no template change needed for each).
    const benchImage = digest('a1');
    const existing = await cluster.list('revisions', ns, 'serving.knative.dev/configuration=hello');
    const toCreate = REVISIONS - existing.length;
    const created = performance.now();
    await createRevisions(cluster, ns, Array.from({length: toCreate}, (_, i) => i + existing.length + 1), benchImage);
    const createMs = performance.now() - created;
    process.stderr.write(`created ${toCreate} revisions in ${(createMs / 1000).toFixed(1)} s\n`);
    // Let Knative's controller finish reconciling them (Ready), so the timing below measures fn, not
    // a control plane busy creating 500 Deployments on 2 cores.
    const settle = performance.now();
    await settleRevisions(cluster, [ns], REVISIONS, 240_000);
    const settleMs = performance.now() - settle;

    const listed = JSON.parse((await fn(['revisions', '--json', ...at], false)).stdout);
    if (listed.length !== REVISIONS) throw new Error(`fn revisions listed ${listed.length}, expected ${REVISIONS}`);
    const times: number[] = [];
    let requests = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await fn(['revisions', ...at]);
      times.push(r.ms);
      requests = r.requests;
    }
    const jsonTimes: number[] = [];
    for (let i = 0; i < 3; i++) jsonTimes.push((await fn(['revisions', '--json', ...at], false)).ms);
    // Start-up alone, for scale: a command that loads the Kubernetes client but fails before any request.
    const startup: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await execa('node', [fnBin, 'revisions', 'hello', '--context', 'no-such-context'], {reject: false, env: {KUBECONFIG: kubeconfigPath(), CI: 'true'}});
      startup.push(performance.now() - s);
    }
    const load = (await import('node:os')).loadavg()[0].toFixed(1);
    const listMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await cluster.list('revisions', ns, 'serving.knative.dev/configuration=hello');
      listMs.push(performance.now() - s);
    }

    const md = [
      '## Deploy',
      '',
      'Command: `bash bench/deploy/run.sh` (local control plane from test/cluster/up.sh: real kube-apiserver + Knative Serving controller and webhook, revisions running on the Docker-backed node; the 500 listed revisions have initial-scale 0, so no pods).',
      `Machine: 2 cores, Node ${process.version}, load average ${load} when timing \`fn revisions\`, ${new Date().toISOString().slice(0, 10)}. Other engineers' builds and tests share the machine: times vary with them.`,
      '',
      '### API requests per command',
      '',
      'Counted by the Knative adapter with `FN_TRACE_HTTP=1` (every HTTP request it sends; a watch is one request that stays open). Goal: no polling, a handful each.',
      '',
      '| case | command | API requests | of which watches | wall ms |',
      '|---|---|---|---|---|',
      ...measured.map((m) => `| ${m.label} | \`${m.command}\` | ${m.requests} | ${m.watches} | ${m.ms.toFixed(0)} |`),
      '',
      ...(() => {
        const two = measured.find((m) => m.label === 'rollout, 2 steps');
        const four = measured.find((m) => m.label === 'rollout, 4 steps');
        if (!two || !four) return [];
        const perStep = (four.requests - two.requests) / 2;
        return [`A rollout step (traffic moved, then watched until Knative routes it) costs ${perStep} API requests: (4-step rollout − 2-step rollout) ÷ 2. Goal: ≤ 5 — ${perStep <= 5 ? '✔' : '✘'}.`, ''];
      })(),
      `### \`fn revisions\` with ${REVISIONS} revisions`,
      '',
      `${toCreate} Revision objects created directly (${(createMs / 1000).toFixed(1)} s), labelled and owned as the function's; Knative made them Ready in ${(settleMs / 1000).toFixed(0)} s; then \`fn revisions\` ${RUNS} times.`,
      '',
      '| what | median ms | all runs ms |',
      '|---|---|---|',
      `| \`fn revisions\` (table, ${requests} API requests) | ${median(times).toFixed(0)} | ${times.map((t) => t.toFixed(0)).join(' ')} |`,
      `| \`fn revisions --json\` | ${median(jsonTimes).toFixed(0)} | ${jsonTimes.map((t) => t.toFixed(0)).join(' ')} |`,
      `| start-up only (same command, fails before any request) | ${median(startup).toFixed(0)} | ${startup.map((t) => t.toFixed(0)).join(' ')} |`,
      `| the Revision list alone (client-node, in-process) | ${median(listMs).toFixed(0)} | ${listMs.map((t) => t.toFixed(0)).join(' ')} |`,
      '',
      `Goal: < 1500 ms — ${median(times) < 1500 ? '✔' : '✘'} (${median(times).toFixed(0)} ms).`,
    ].join('\n');
    await writeFile(out, md + '\n');
    process.stdout.write(md + '\n');
  } finally {
    await cluster.cleanup();
  }
}

main().catch(async (e) => {
  await appendFile(out, '').catch(() => undefined);
  console.error(e);
  process.exit(1);
});
