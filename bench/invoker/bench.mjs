// Compares fn's invokers with the bare server of their language and with Knative func's runtime for it,
// all serving the same hello function on loopback, one language after the other:
//   Node:   fn's invoker vs a bare node:http server vs faas-js-runtime
//   Python: fn's invoker (sync, async and ASGI handle) vs bare uvicorn (uvloop + httptools) vs func-python
//   Go:     fn's invoker vs a bare net/http server (func-go is not in reach here: the Go module proxy
//           refuses knative.dev/func-go, 403 "not available")
// For each server:
//   1. start-up: process spawn → first 200 answer to GET / (median of STARTUP_RUNS, servers alternated)
//   2. throughput: wrk, 1 thread, 32 connections, WRK_SECONDS per run, ROUNDS rounds alternating servers,
//      and the server process's CPU time per request in that run (from /proc)
// Prints a markdown report on stdout. run.sh prepares what the servers need (venvs, node_modules).
// LANGS=python (or node,python) runs only those languages.
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {request} from 'node:http';
import {createServer} from 'node:net';
import {cpus as osCpus, loadavg} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
// With taskset, the server runs on the last CPU and wrk on the others, so that they do not fight over one.
const cpus = osCpus().length;
const taskset = cpus > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const serverCpu = String(cpus - 1);
const wrkCpus = cpus > 2 ? `0-${cpus - 2}` : '0';
const WRK_SECONDS = Number(process.env.WRK_SECONDS ?? 5);
const STARTUP_RUNS = Number(process.env.STARTUP_RUNS ?? 21);
const hello = join(here, 'hello');
const py = join(here, 'python');
const pyHello = join(py, 'hello');
const benchPython = join(py, '.venv', 'bin', 'python');
const fnPython = join(pyHello, '.fn', 'venv', 'bin', 'python');
const fnPythonEnv = (entry) => ({FN_FUNCTION_DIR: pyHello, FN_TEMPLATE: 'http', FN_ENTRY: entry, PYTHONPATH: join(root, 'runtimes', 'python'), PYTHONUNBUFFERED: '1'});

// A target's command may hold {port}; `portEnv` names an extra variable that gets the port (PORT always does).
const languages = [
  {
    name: 'Node',
    versions: () => `Node ${process.version}`,
    bare: 'bare node:http',
    func: 'faas-js-runtime 3.0.2',
    targets: [
      {name: 'bare node:http', command: [process.execPath, join(here, 'bare.mjs')], env: {}},
      {name: 'fn invoker', fn: true, command: [process.execPath, join(root, 'runtimes', 'node', 'invoker.mjs')], env: {FN_FUNCTION_DIR: hello, FN_TEMPLATE: 'http'}},
      {name: 'faas-js-runtime 3.0.2', command: [process.execPath, join(here, 'node_modules', 'faas-js-runtime', 'bin', 'cli.js'), join(hello, 'index.js')], env: {}, portEnv: 'FUNC_PORT'},
    ],
    function: 'returns the text "Hello world" (bench/invoker/hello/)',
  },
  {
    name: 'Python',
    versions: () => spawnSync(benchPython, ['-c', 'import sys, importlib.metadata as m; print("Python", sys.version.split()[0] + ",", ", ".join(f"{n} {m.version(n)}" for n in ("uvicorn", "uvloop", "httptools", "func-python", "hypercorn")))'], {encoding: 'utf8'}).stdout.trim(),
    bare: 'bare uvicorn (uvloop + httptools)',
    func: 'func-python 0.8.1 (hypercorn)',
    targets: [
      {name: 'bare uvicorn (uvloop + httptools)', command: [benchPython, '-m', 'uvicorn', '--loop', 'uvloop', '--http', 'httptools', '--no-access-log', '--app-dir', py, '--port', '{port}', 'bare:app'], env: {}},
      {name: 'fn invoker, sync handle(context)', fn: true, command: [fnPython, '-m', 'fn_invoker'], env: fnPythonEnv('func.py')},
      {name: 'fn invoker, async handle(context)', fn: true, command: [fnPython, '-m', 'fn_invoker'], env: fnPythonEnv('async_func.py')},
      {name: 'fn invoker, ASGI handle(scope, receive, send)', fn: true, command: [fnPython, '-m', 'fn_invoker'], env: fnPythonEnv('asgi_func.py')},
      {name: 'func-python 0.8.1 (hypercorn)', command: [benchPython, join(py, 'func_main.py')], env: {}, portEnv: 'LISTEN_ADDRESS', portFormat: (port) => `127.0.0.1:${port}`},
    ],
    function: 'returns the text "Hello world" (bench/invoker/python/hello/: func.py, async_func.py, asgi_func.py; the ASGI one for func-python too)',
  },
  {
    name: 'Go',
    versions: () => spawnSync('go', ['version'], {encoding: 'utf8'}).stdout.trim().replace(/^go version /, ''),
    bare: 'bare net/http',
    targets: [
      {name: 'bare net/http', command: [join(here, 'go', '.bin', 'bare')], env: {}},
      {name: 'fn invoker', fn: true, command: [join(here, 'go', 'hello', '.fn', 'go', 'fn-function')], env: {FN_FUNCTION_DIR: join(here, 'go', 'hello'), FN_TEMPLATE: 'http'}},
    ],
    function: 'writes the text "Hello world" (bench/invoker/go/hello/)',
  },
];
const only = process.env.LANGS?.toLowerCase().split(',');
const chosen = only ? languages.filter((l) => only.includes(l.name.toLowerCase())) : languages;

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
  const argv = target.command.map((part) => part.replaceAll('{port}', String(port)));
  const [command, ...args] = pin && taskset ? ['taskset', '-c', serverCpu, ...argv] : argv;
  const portValue = target.portFormat ? target.portFormat(port) : String(port);
  const child = spawn(command, args, {
    env: {...process.env, ...target.env, PORT: String(port), ...(target.portEnv ? {[target.portEnv]: portValue} : {})},
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

/** The server's CPU time so far (user + system, all threads) in microseconds, from /proc (Linux). */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;

function wrk(port, seconds) {
  const args = ['-t1', '-c32', `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`];
  const out = taskset ? execFileSync('taskset', ['-c', wrkCpus, 'wrk', ...args], {encoding: 'utf8'}) : execFileSync('wrk', args, {encoding: 'utf8'});
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1];
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1];
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out)?.[0];
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk output:\n${out}`);
  return {rps, p50, p99, errors, requests};
}

/** wrk's latency ("812.00us", "3.41ms", "1.02s") in milliseconds. */
function ms(text) {
  const [, value, unit] = /^([\d.]+)(us|ms|s)$/.exec(text ?? '') ?? [];
  return value === undefined ? NaN : Number(value) * {us: 0.001, ms: 1, s: 1000}[unit];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const mark = (ok) => (ok ? '✔' : '✘');

async function measure(language) {
  const {targets} = language;
  const loadAtStart = loadavg()[0].toFixed(1);
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
      const cpuBefore = cpuMicros(running.child.pid);
      const result = wrk(port, WRK_SECONDS);
      // CPU per request: less sensitive than requests/s to other work on the machine taking the core.
      throughput.get(target.name).push({...result, cpuPerRequest: (cpuMicros(running.child.pid) - cpuBefore) / result.requests});
      await stop(running);
    }
  }

  const rpsOf = (name) => median(throughput.get(name).map((r) => r.rps));
  const startOf = (name) => median(startup.get(name));
  // p50/p99 as medians over the rounds, like requests/s: one round alone is too noisy on a shared machine.
  const latencyOf = (name, key) => median(throughput.get(name).map((r) => ms(r[key])));
  const bareRps = rpsOf(language.bare);
  const bareStart = startOf(language.bare);
  const funcRps = language.func ? rpsOf(language.func) : undefined;
  const funcName = language.func?.split(' ')[0];
  const lines = [
    `| server | requests/s (median) | × bare |${funcName ? ` × ${funcName} |` : ''} p50 / p99 ms (medians) | server CPU µs / request (median) | start → first answer ms (median) | × bare |`,
    `|---|---|---|${funcName ? '---|' : ''}---|---|---|---|`,
  ];
  for (const t of targets) {
    const runs = throughput.get(t.name);
    const errors = runs.map((r) => r.errors).filter(Boolean);
    lines.push(
      `| ${t.name} | ${Math.round(rpsOf(t.name))} | ${(rpsOf(t.name) / bareRps).toFixed(2)} |${funcRps ? ` ${(rpsOf(t.name) / funcRps).toFixed(2)} |` : ''} ${latencyOf(t.name, 'p50').toFixed(2)} / ${latencyOf(t.name, 'p99').toFixed(2)}${errors.length ? ` (${errors.join('; ')})` : ''} | ${median(runs.map((r) => r.cpuPerRequest)).toFixed(1)} | ${startOf(t.name).toFixed(1)} | ${(startOf(t.name) / bareStart).toFixed(2)} |`,
    );
  }
  const goals = targets
    .filter((t) => t.fn)
    .map((t) => {
      const rps = rpsOf(t.name) / bareRps;
      const vsFunc = funcRps ? rpsOf(t.name) / funcRps : undefined;
      const p99 = latencyOf(t.name, 'p99');
      const st = startOf(t.name) / bareStart;
      const cpu = (name) => median(throughput.get(name).map((r) => r.cpuPerRequest));
      const byCpu = `by CPU per request: ${(cpu(language.bare) / cpu(t.name)).toFixed(2)}× bare's rate${funcName ? `, ${(cpu(language.func) / cpu(t.name)).toFixed(2)}× ${funcName}'s` : ''}`;
      return `${t.name}: ≥ 0.90× bare requests/s ${mark(rps >= 0.9)} ${rps.toFixed(2)},${vsFunc ? ` ≥ 5× ${funcName} ${mark(vsFunc >= 5)} ${vsFunc.toFixed(2)},` : ''} p99 < 10 ms ${mark(p99 < 10)} ${p99.toFixed(2)}, start-up ≤ 1.20× bare ${mark(st <= 1.2)} ${st.toFixed(2)}; ${byCpu}.`;
    });
  return [
    `### ${language.name}`,
    '',
    `${language.versions()}; load average ${loadAtStart} at start and ${loadavg()[0].toFixed(1)} at the end (other work on the machine adds noise). Function: ${language.function}.`,
    '',
    ...lines,
    '',
    'Goals, per fn row:',
    '',
    ...goals.map((g) => `- ${g}`),
    '',
    `All start-up samples (ms): ${targets.map((t) => `${t.name}: ${startup.get(t.name).map((x) => x.toFixed(0)).join(' ')}`).join('; ')}.`,
    `All throughput samples (req/s): ${targets.map((t) => `${t.name}: ${throughput.get(t.name).map((r) => Math.round(r.rps)).join(' ')}`).join('; ')}.`,
    '',
  ];
}

// With LANGS, the other languages keep their subsection of bench/RESULTS.md from their last run.
function lastRun(name) {
  const results = readFileSync(join(root, 'bench', 'RESULTS.md'), 'utf8');
  const invoker = results.slice(results.indexOf('<!-- bench:invoker -->'), results.indexOf('<!-- /bench:invoker -->'));
  const at = invoker.indexOf(`### ${name}\n`);
  if (at < 0) return [];
  const next = invoker.indexOf('\n### ', at + 1);
  return [invoker.slice(at, next < 0 ? undefined : next + 1).trimEnd(), ''];
}
const sections = [];
for (const language of languages) sections.push(...(chosen.includes(language) ? await measure(language) : lastRun(language.name)));
// `wrk -v` prints its version and exits non-zero.
const wrkVersion = spawnSync('wrk', ['-v'], {encoding: 'utf8'}).stdout.split('\n')[0].trim() || 'wrk';
process.stdout.write(
  [
    '## Invokers: throughput and start-up',
    '',
    `Command: \`bash bench/invoker/run.sh\`${only ? ` with LANGS=${process.env.LANGS} (the other languages' sections are from their last run)` : ''} (${wrkVersion.split(' ').slice(0, 2).join(' ')}, 1 thread, 32 connections, ${WRK_SECONDS} s per run after a 1 s warm-up, ${ROUNDS} rounds alternating the servers; start-up = spawn to first 200 answer, median of ${STARTUP_RUNS} runs, alternated).`,
    `Machine: ${cpus} cores${taskset ? ` (for throughput the server is pinned to CPU ${serverCpu} and wrk to ${wrkCpus})` : ''}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    "Reading: when other work loads the machine (see each table's load average; more than the cores means the server shares its core), requests/s and latency measure the machine as much as the server, and favour a server with more threads (the sync Python rows run on a thread pool, which the scheduler gives more slices of the shared core). The server's CPU time per request is the figure to compare then: \"by CPU per request\" below is the rate each server would reach on a core of its own, relative to the others'.",
    '',
    ...sections,
  ].join('\n'),
);
