// Compares fn's Node invoker with a bare node:http server and with faas-js-runtime (Knative func's Node
// runtime), all serving the same hello function on loopback:
//   1. start-up: process spawn → first 200 answer to GET / (median of STARTUP_RUNS, targets alternated)
//   2. throughput: wrk, 1 thread, 32 connections, WRK_SECONDS per run, ROUNDS rounds alternating targets
// Prints a markdown report on stdout.
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {request} from 'node:http';
import {createServer} from 'node:net';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
// With taskset, the server runs on the last CPU and wrk on the others, so that they do not fight over one.
const cpus = (await import('node:os')).cpus().length;
const taskset = cpus > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const serverCpu = String(cpus - 1);
const wrkCpus = cpus > 2 ? `0-${cpus - 2}` : '0';
const WRK_SECONDS = Number(process.env.WRK_SECONDS ?? 5);
const STARTUP_RUNS = Number(process.env.STARTUP_RUNS ?? 21);
const hello = join(here, 'hello');

const targets = [
  {name: 'bare node:http', argv: [join(here, 'bare.mjs')], env: {}},
  {name: 'fn invoker', argv: [join(root, 'runtimes', 'node', 'invoker.mjs')], env: {FN_FUNCTION_DIR: hello, FN_TEMPLATE: 'http'}},
  {name: 'faas-js-runtime 3.0.2', argv: [join(here, 'node_modules', 'faas-js-runtime', 'bin', 'cli.js'), join(hello, 'index.js')], env: {}, portEnv: 'FUNC_PORT'},
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function getOnce(port) {
  return new Promise((resolve) => {
    const req = request({host: '127.0.0.1', port, path: '/', agent: false}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function start(target, port, {pin = false} = {}) {
  const t0 = process.hrtime.bigint();
  const [command, ...argv] = pin && taskset ? ['taskset', '-c', serverCpu, process.execPath, ...target.argv] : [process.execPath, ...target.argv];
  const child = spawn(command, argv, {
    env: {...process.env, ...target.env, PORT: String(port), ...(target.portEnv ? {[target.portEnv]: String(port)} : {})},
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; ; i++) {
    if (await getOnce(port)) return {child, exited, ms: Number(process.hrtime.bigint() - t0) / 1e6};
    if (child.exitCode !== null || i > 20000) throw new Error(`${target.name} did not answer`);
    await sleep(1);
  }
}

async function stop({child, exited}) {
  child.kill('SIGKILL');
  await exited;
}

function wrk(port, seconds) {
  const args = ['-t1', '-c32', `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`];
  const out = taskset ? execFileSync('taskset', ['-c', wrkCpus, 'wrk', ...args], {encoding: 'utf8'}) : execFileSync('wrk', args, {encoding: 'utf8'});
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1];
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1];
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out)?.[0];
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk output:\n${out}`);
  return {rps, p50, p99, errors};
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const loadAtStart = (await import('node:os')).loadavg()[0].toFixed(1);

// Start-up, alternating targets so that machine noise hits each alike.
const startup = new Map(targets.map((t) => [t.name, []]));
for (let run = 0; run < STARTUP_RUNS; run++) {
  for (const target of run % 2 ? [...targets].reverse() : targets) {
    const running = await start(target, await freePort());
    startup.get(target.name).push(running.ms);
    await stop(running);
  }
}

// Throughput: each round starts each target fresh, warms it up, then measures; order rotates per round.
const throughput = new Map(targets.map((t) => [t.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const order = targets.map((_, i) => targets[(i + round) % targets.length]);
  for (const target of order) {
    const port = await freePort();
    const running = await start(target, port, {pin: true});
    wrk(port, 1);
    throughput.get(target.name).push(wrk(port, WRK_SECONDS));
    await stop(running);
  }
}

const bare = targets[0].name;
const bareRps = median(throughput.get(bare).map((r) => r.rps));
const bareStart = median(startup.get(bare));
const lines = [
  '| server | requests/s (median) | × bare | p50 / p99 latency (last round) | start → first answer ms (median) | × bare |',
  '|---|---|---|---|---|---|',
];
for (const t of targets) {
  const runs = throughput.get(t.name);
  const rps = median(runs.map((r) => r.rps));
  const last = runs.at(-1);
  const st = median(startup.get(t.name));
  lines.push(`| ${t.name} | ${Math.round(rps)} | ${(rps / bareRps).toFixed(2)} | ${last.p50} / ${last.p99}${last.errors ? ` (${last.errors})` : ''} | ${st.toFixed(1)} | ${(st / bareStart).toFixed(2)} |`);
}
const fnRps = median(throughput.get('fn invoker').map((r) => r.rps)) / bareRps;
const fnStart = median(startup.get('fn invoker')) / bareStart;
// `wrk -v` prints its version and exits non-zero.
const wrkVersion = spawnSync('wrk', ['-v'], {encoding: 'utf8'}).stdout.split('\n')[0].trim() || 'wrk';
process.stdout.write(
  [
    '## Node invoker: throughput and start-up',
    '',
    `Command: \`bash bench/invoker/run.sh\` (${wrkVersion.split(' ').slice(0, 2).join(' ')}, 1 thread, 32 connections, ${WRK_SECONDS} s per run after a 1 s warm-up, ${ROUNDS} rounds alternating the servers; start-up = spawn to first 200 answer, median of ${STARTUP_RUNS} runs, alternated).`,
    `Machine: ${cpus} cores${taskset ? ` (for throughput the server is pinned to CPU ${serverCpu} and wrk to ${wrkCpus})` : ''}, Node ${process.version}, load average ${loadAtStart} at start and ${(await import('node:os')).loadavg()[0].toFixed(1)} at the end (other work on the machine adds noise), ${new Date().toISOString().slice(0, 10)}. Function: returns the text "Hello world" (bench/invoker/hello/).`,
    '',
    ...lines,
    '',
    `Goals: fn invoker ≥ 0.90× bare requests/s (${fnRps >= 0.9 ? '✔' : '✘'} ${fnRps.toFixed(2)}), start-up ≤ 1.20× bare (${fnStart <= 1.2 ? '✔' : '✘'} ${fnStart.toFixed(2)}).`,
    `All start-up samples (ms): ${targets.map((t) => `${t.name}: ${startup.get(t.name).map((x) => x.toFixed(0)).join(' ')}`).join('; ')}.`,
    `All throughput samples (req/s): ${targets.map((t) => `${t.name}: ${throughput.get(t.name).map((r) => Math.round(r.rps)).join(' ')}`).join('; ')}.`,
    '',
  ].join('\n'),
);
