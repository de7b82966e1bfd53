// fn and kn side by side on the local control plane (test/cluster/up.sh), the same story for each in
// its own namespace, the two alternating step by step (which one goes first alternates too), medians
// over the rounds: create, a tagged revision with no traffic, a 90/10 split, back to 100 %, the
// revision list (2 revisions, then 200). Every API request goes through a TCP proxy that notes when
// each tool's first connection arrives, so each step also has its time to the first API request.
// Written to bench/RESULTS.md by bench/kn/run.sh.
import {execa} from 'execa';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {TestCluster, kubeconfigPath} from '../../test/support/knative-env.js';
import {digest} from '../../test/support/test-image.js';
// @ts-expect-error: plain JavaScript
import {apiProxy} from '../support/api-proxy.mjs';
import {createRevisions, settleRevisions} from '../support/revisions.js';

const fnBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const kn = process.env.KN ?? '';
const out = process.argv[2] ?? join(tmpdir(), 'fn-bench-kn.md');
const ROUNDS = Number(process.env.FN_BENCH_ROUNDS ?? 5);
const MANY = Number(process.env.FN_BENCH_REVISIONS ?? 200);
const LIST_RUNS = Number(process.env.FN_BENCH_LIST_RUNS ?? 9);

interface Run {
  ms: number;
  first?: number;
  requests?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (!kn) throw new Error('set KN to the kn binary (bench/kn/run.sh builds it)');
  const cluster = new TestCluster();
  const work = await mkdtemp(join(tmpdir(), 'fn-bench-kn-'));
  const proxy = await apiProxy(kubeconfigPath(), join(work, 'kubeconfig'));
  const env = {KUBECONFIG: proxy.kubeconfig, CI: 'true'};

  async function timed(tool: 'fn' | 'kn', args: string[], cwd?: string): Promise<Run> {
    const started = performance.now();
    const r = await execa(tool === 'fn' ? process.execPath : kn, tool === 'fn' ? [fnBin, ...args] : args, {
      reject: false,
      cwd,
      env: tool === 'fn' ? {...env, FN_TRACE_HTTP: '1'} : env,
    });
    const ms = performance.now() - started;
    if (r.exitCode !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`);
    const first = proxy.firstAfter(started);
    const requests = tool === 'fn' ? String(r.stderr).split('\n').filter((l) => l.startsWith('[fn http] ') && !l.includes('watch closed') && !l.includes('API request(s)')).length : undefined;
    return {ms, ...(first !== undefined && first <= ms ? {first} : {}), ...(requests !== undefined ? {requests} : {})};
  }

  const a = digest('a1');
  const b = digest('b2');
  type Step = {label: string; fn: (ns: string) => string[]; kn: (ns: string) => string[]};
  const steps: Step[] = [
    {label: 'create', fn: (ns) => ['deploy', '--image', a, '--tag', 'v1', '-n', ns], kn: (ns) => ['service', 'create', 'hello', '--image', a, '--revision-name', 'hello-v1', '--tag', 'hello-v1=v1', '-n', ns]},
    {
      label: 'tagged revision, no traffic',
      fn: (ns) => ['deploy', '--image', b, '--tag', 'v2', '--no-traffic', '-n', ns],
      kn: (ns) => ['service', 'update', 'hello', '--image', b, '--revision-name', 'hello-v2', '--tag', 'hello-v2=v2', '--traffic', 'v1=100', '-n', ns],
    },
    {label: 'split 90/10', fn: (ns) => ['traffic', '--split', 'v1=90,v2=10', '-n', ns], kn: (ns) => ['service', 'update', 'hello', '--traffic', 'v1=90,v2=10', '-n', ns]},
    {label: 'back to 100 %', fn: (ns) => ['traffic', '--split', 'v1=100', '-n', ns], kn: (ns) => ['service', 'update', 'hello', '--traffic', 'v1=100', '-n', ns]},
    {label: 'revision list (2)', fn: (ns) => ['revisions', '-n', ns], kn: (ns) => ['revision', 'list', '-s', 'hello', '-n', ns]},
  ];
  const results = new Map<string, {fn: Run[]; kn: Run[]}>(steps.map((s) => [s.label, {fn: [], kn: []}]));
  const version = {fn: [] as Run[], kn: [] as Run[]};

  try {
    let last: {fn: string; kn: string; dir: string} | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const ns = {fn: await cluster.namespace('fn-vs-kn-fn'), kn: await cluster.namespace('fn-vs-kn-kn')};
      const dir = join(work, `round-${round}`, 'hello');
      await execa(process.execPath, [fnBin, 'init', dir, '--runtime', 'node', '--name', 'hello'], {env});
      const order: Array<'fn' | 'kn'> = round % 2 === 0 ? ['fn', 'kn'] : ['kn', 'fn'];
      for (const step of steps) {
        for (const tool of order) {
          const r = await timed(tool, tool === 'fn' ? step.fn(ns.fn) : step.kn(ns.kn), tool === 'fn' ? dir : undefined);
          results.get(step.label)![tool].push(r);
          process.stderr.write(`round ${round + 1} ${step.label} ${tool}: ${r.ms.toFixed(0)} ms (first request ${r.first?.toFixed(0) ?? '-'} ms${r.requests !== undefined ? `, ${r.requests} requests` : ''})\n`);
        }
      }
      for (const tool of order) version[tool].push(await timed(tool, tool === 'fn' ? ['--version'] : ['version']));
      last = {...ns, dir};
    }

    // Many revisions: Revision objects created directly (no pods: initial-scale 0), labelled and owned
    // as each tool's Service's own, in the last round's namespaces; listed once Knative made them Ready.
    const many = {fn: [] as Run[], kn: [] as Run[]};
    const image = digest('a1');
    for (const tool of ['fn', 'kn'] as const) {
      await createRevisions(cluster, last![tool], Array.from({length: MANY - 2}, (_, i) => i + 3), image, {'serving.knative.dev/service': 'hello'});
    }
    await settleRevisions(cluster, [last!.fn, last!.kn], 2 * MANY, 300_000);
    const listed = JSON.parse((await execa(process.execPath, [fnBin, 'revisions', '--json', '-n', last!.fn], {cwd: last!.dir, env})).stdout);
    if (listed.length !== MANY) throw new Error(`fn revisions listed ${listed.length}, expected ${MANY}`);
    for (let i = 0; i < LIST_RUNS; i++) {
      for (const tool of i % 2 === 0 ? (['fn', 'kn'] as const) : (['kn', 'fn'] as const)) {
        many[tool].push(await timed(tool, tool === 'fn' ? ['revisions', '-n', last!.fn] : ['revision', 'list', '-s', 'hello', '-n', last!.kn], tool === 'fn' ? last!.dir : undefined));
      }
    }
    results.set(`revision list (${MANY})`, many);

    const node: number[] = [];
    for (let i = 0; i < 15; i++) {
      const s = performance.now();
      await execa(process.execPath, ['-e', '0']);
      node.push(performance.now() - s);
    }

    const knVersion = (await execa(kn, ['version'])).stdout.match(/Supported APIs[\s\S]*?knative-serving (v[\d.]+)/)?.[1] ?? '?';
    const ms = (runs: Run[]) => median(runs.map((r) => r.ms));
    const first = (runs: Run[]) => {
      const xs = runs.flatMap((r) => (r.first === undefined ? [] : [r.first]));
      return xs.length ? median(xs) : undefined;
    };
    const rows = [...results].map(([label, r]) => {
      const ratio = ms(r.fn) / ms(r.kn);
      const requests = median(r.fn.map((x) => x.requests ?? 0));
      return `| ${label} | ${ms(r.fn).toFixed(0)} | ${ms(r.kn).toFixed(0)} | ${ratio.toFixed(2)} ${ratio <= 1 ? '✔' : '✘'} | ${first(r.fn)?.toFixed(0) ?? '-'} | ${first(r.kn)?.toFixed(0) ?? '-'} | ${requests} |`;
    });
    const story = steps.map((s) => s.label);
    const storyRequests = story.reduce((sum, label) => sum + median(results.get(label)!.fn.map((x) => x.requests ?? 0)), 0);
    const md = [
      '## fn and kn side by side',
      '',
      `Command: \`bash bench/kn/run.sh\` (builds kn ${knVersion === '?' ? '' : `for Knative Serving ${knVersion} `}from the Go module proxy once, cached in \`~/.cache/fn-testenv/kn-<version>\`; the local control plane of test/cluster/up.sh; ${ROUNDS} rounds, each tool in its own fresh namespace, alternating step by step and which goes first; medians).`,
      `Machine: 2 cores shared with other work, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end, ${new Date().toISOString().slice(0, 10)}.${process.env.FN_BENCH_NOTE ? ` ${process.env.FN_BENCH_NOTE}` : ''}`,
      '',
      'First request = from launch to the tool\'s first connection to the API server (a TCP proxy in front of it notes each arrival). fn\'s API requests are counted with `FN_TRACE_HTTP=1` (kn\'s `--log-http` hangs a command that waits).',
      '',
      '| step | fn ms | kn ms | fn ÷ kn (goal ≤ 1.0) | fn first request ms | kn first request ms | fn API requests |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      `| \`fn --version\` (answered from package.json, no oclif) / \`kn version\` | ${ms(version.fn).toFixed(0)} | ${ms(version.kn).toFixed(0)} | ${(ms(version.fn) / ms(version.kn)).toFixed(2)} | | | |`,
      `| \`node -e 0\`, for scale | ${median(node).toFixed(0)} | | | | | |`,
      '',
      `The story (create … back to 100 %, list of 2): fn ${storyRequests} API requests. Commands, per step: ${steps.map((s) => `${s.label}: \`fn ${s.fn('NS').join(' ').replace(/@sha256:[0-9a-f]{64}/g, '@sha256:…')}\` / \`kn ${s.kn('NS').join(' ').replace(/@sha256:[0-9a-f]{64}/g, '@sha256:…')}\``).join('; ')}; revision list (${MANY}): the same list commands after ${MANY - 2} more Revision objects (initial-scale 0, no pods).`,
    ].join('\n');
    await writeFile(out, md + '\n');
    process.stdout.write(md + '\n');
  } finally {
    await proxy.close();
    await cluster.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
