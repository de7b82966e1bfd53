// `fn init` → `fn run` → `fn invoke` for every runtime × template, on the host with the real invokers;
// then, per runtime, a function written here: SIGTERM during a slow request, a thrown error, the body
// limit. Needs `npm run build` first; python needs python3 (+ PyPI for cloudevents), go needs Go 1.23+;
// the cloudevents templates are also sent the shared table with the CloudEvents conformance tool
// (runtimes/conformance/install.sh, which scripts/setup.sh runs).
import {afterAll, describe, expect, jest, test} from '@jest/globals';
import {execa, type ResultPromise} from 'execa';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fnBin, runFn} from '../support/cli.js';
import {conformanceTool, sendCase, tableCases} from '../support/cloudevents-table.js';
import {RUNTIMES} from '../../src/core/function-schema.js';
import {FUNC_PYTHON_FILES} from '../support/python-func.js';

jest.setTimeout(300_000);

type Runtime = (typeof RUNTIMES)[number];

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, {recursive: true, force: true})));
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address() as {port: number};
      srv.close(() => resolve(port));
    });
  });
}

async function initFunction(runtime: Runtime, template: string, name: string): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'fn-run-invoke-'));
  dirs.push(base);
  const dir = join(base, name);
  const r = await runFn(['init', dir, '--runtime', runtime, '--template', template]);
  expect({exit: r.exitCode, stderr: r.stderr}).toEqual({exit: 0, stderr: ''});
  return dir;
}

interface Running {
  url: string;
  process: ResultPromise;
  output: () => string;
}

/** `fn run` as a child process; resolves once the function answers its readiness check. */
async function fnRun(dir: string, extra: string[] = []): Promise<Running> {
  const port = await freePort();
  const child = execa('node', [fnBin, 'run', '--path', dir, '--port', String(port), ...extra], {reject: false, stdin: 'ignore', all: true, env: {CI: 'true'}});
  let output = '';
  child.all?.on('data', (d: Buffer) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`fn run exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${url}/health/readiness`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`not ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {url, process: child, output: () => output};
}

/** SIGTERM to `fn run` (which forwards it to the function) and its exit code; SIGKILL after 20 s. */
async function stop(running: Running): Promise<number | undefined> {
  running.process.kill('SIGTERM');
  const timer = setTimeout(() => running.process.kill('SIGKILL'), 20_000);
  try {
    return (await running.process).exitCode;
  } finally {
    clearTimeout(timer);
  }
}

/** Output arrives through pipes after the HTTP answer: wait for it a little. */
async function waitForOutput(running: Running, text: string): Promise<string> {
  for (let i = 0; i < 100 && !running.output().includes(text); i++) await new Promise((r) => setTimeout(r, 50));
  return running.output();
}

/** The answer fn invoke prints for a CloudEvent is the event as JSON. */
function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${text}`);
  }
}

describe.each(RUNTIMES)('%s templates: init → run → invoke', (runtime) => {
  test('http: the hello answer for a JSON body and for a query string', async () => {
    const dir = await initFunction(runtime, 'http', `hello-${runtime}`);
    const fn = await fnRun(dir);
    try {
      const posted = await runFn(['invoke', '--target', fn.url, '--data', '{"name":"Ada"}']);
      expect({exit: posted.exitCode, stderr: posted.stderr}).toEqual({exit: 0, stderr: ''});
      expect(parseJson(posted.stdout)).toEqual({message: 'Hello Ada'});
      const queried = await runFn(['invoke', '--target', fn.url, '--path', '/?name=Bo']);
      expect(parseJson(queried.stdout)).toEqual({message: 'Hello Bo'});
    } finally {
      expect(await stop(fn)).toBe(0);
    }
  });

  test('cloudevents: a binary and a structured round trip', async () => {
    const dir = await initFunction(runtime, 'cloudevents', `events-${runtime}`);
    const fn = await fnRun(dir);
    try {
      const binary = await runFn(['invoke', '--target', fn.url, '--cloudevent', '--type', 'com.example.hello', '--id', 'req-1', '--data', '{"name":"Ada"}']);
      expect({exit: binary.exitCode, stderr: binary.stderr}).toEqual({exit: 0, stderr: ''});
      const answer = parseJson(binary.stdout);
      expect(answer).toMatchObject({type: 'com.example.greeting', source: `/events-${runtime}`, specversion: '1.0', data: {message: 'Hello Ada', inReplyTo: 'req-1'}});
      expect(answer.id).toEqual(expect.any(String));

      const {CloudEvent, HTTP} = await import('cloudevents');
      const message = HTTP.structured(new CloudEvent({id: 'req-2', type: 'com.example.hello', source: '/jest', data: {name: 'Structured'}}));
      const res = await fetch(fn.url, {method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string});
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/cloudevents\+json/);
      const structured = parseJson(await res.text());
      expect(structured).toMatchObject({type: 'com.example.greeting', data: {message: 'Hello Structured', inReplyTo: 'req-2'}});

      // The template answers every legal request of the shared table (text, arrays, octets, no data, …)
      // with its greeting, and the invoker refuses the others as the table says.
      const tool = await conformanceTool();
      const wrong: string[] = [];
      for (const c of tableCases) {
        const got = await sendCase(fn.url, c, tool);
        const want = c.expect.status >= 400 ? c.expect.status : 200;
        if (got.status !== want && !(got.status === '2xx' && want === 200)) wrong.push(`${c.name}: ${got.status} ${got.error ?? ''}, want ${want}`);
        else if (c.expect.error && !new RegExp(c.expect.error, 'u').test(got.error ?? '')) wrong.push(`${c.name}: error ${got.error}`);
      }
      expect(wrong).toEqual([]);
    } finally {
      expect(await stop(fn)).toBe(0);
    }
  });
});

// A function per runtime with a slow path and a failing path, written by this test.
const TEST_FUNCTIONS: Record<Runtime, Record<string, string>> = {
  node: {
    'index.js': `export async function handle(context) {
  if (context.path === '/slow') { console.log('slow request started'); await new Promise((r) => setTimeout(r, 1500)); return 'slow done'; }
  if (context.path === '/boom') throw new Error('boom from the test');
  return 'fine';
}
`,
  },
  typescript: {
    'index.ts': `export async function handle(context: {path: string}): Promise<string> {
  if (context.path === '/slow') { console.log('slow request started'); await new Promise((r) => setTimeout(r, 1500)); return 'slow done'; }
  if (context.path === '/boom') throw new Error('boom from the test');
  return 'fine';
}
`,
  },
  python: {
    'func.py': `import time

def handle(context):
    if context.path == "/slow":
        print("slow request started", flush=True)
        time.sleep(1.5)
        return "slow done"
    if context.path == "/boom":
        raise RuntimeError("boom from the test")
    return "fine"
`,
  },
  go: {
    'handle.go': `package function

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

func Handle(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/slow":
		fmt.Println("slow request started")
		time.Sleep(1500 * time.Millisecond)
		_, _ = io.WriteString(w, "slow done")
	case "/boom":
		panic("boom from the test")
	default:
		_, _ = io.WriteString(w, "fine")
	}
}
`,
  },
};

describe.each(RUNTIMES)('%s invoker behaviour under fn run', (runtime) => {
  test('a thrown error answers 500 JSON and the function keeps serving; a body over the limit answers 413; SIGTERM answers the in-flight request', async () => {
    const dir = await initFunction(runtime, 'http', `behave-${runtime}`);
    for (const [file, text] of Object.entries(TEST_FUNCTIONS[runtime])) await writeFile(join(dir, file), text);
    const fn = await fnRun(dir, ['--env', 'FN_MAX_BODY_BYTES=1024']);
    let exit: number | undefined;
    try {
      const boom = await fetch(`${fn.url}/boom`);
      expect(boom.status).toBe(500);
      expect(boom.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await boom.json()).toEqual({error: 'boom from the test'});
      expect(await waitForOutput(fn, 'boom from the test')).toContain('boom from the test');
      const invoked = await runFn(['invoke', '--target', fn.url, '--path', '/boom']);
      expect(invoked.exitCode).not.toBe(0);
      expect(parseJson(invoked.stdout)).toEqual({error: 'boom from the test'});
      expect(await (await fetch(fn.url)).text()).toBe('fine');

      const tooBig = await fetch(fn.url, {method: 'POST', body: 'x'.repeat(4096), headers: {'content-type': 'text/plain'}});
      expect(tooBig.status).toBe(413);
      expect(((await tooBig.json()) as {error: string}).error).toContain('1024');
      expect(await (await fetch(fn.url)).text()).toBe('fine');

      // SIGTERM only once the function has the request (the CLI takes a moment to start).
      const slow = runFn(['invoke', '--target', fn.url, '--path', '/slow']);
      for (let i = 0; i < 3 && !fn.output().includes('slow request started'); i++) await waitForOutput(fn, 'slow request started');
      expect(fn.output()).toContain('slow request started');
      fn.process.kill('SIGTERM');
      const answered = await slow;
      expect({exit: answered.exitCode, stdout: answered.stdout.trim()}).toEqual({exit: 0, stdout: 'slow done'});
      exit = (await fn.process).exitCode;
    } finally {
      if (exit === undefined) await stop(fn);
    }
    expect(exit).toBe(0);
  });
});

describe('python: a function written for Knative func under fn run', () => {
  test('function/ package with new() and an ASGI handle: served on uvicorn with uvloop and httptools, its hooks called, stop() on SIGTERM', async () => {
    const dir = await initFunction('python', 'http', 'func-python');
    await rm(join(dir, 'func.py'));
    await rm(join(dir, 'test_func.py'));
    for (const [file, text] of Object.entries(FUNC_PYTHON_FILES)) {
      await mkdir(join(dir, file, '..'), {recursive: true});
      await writeFile(join(dir, file), text);
    }
    const fn = await fnRun(dir);
    let exit: number | undefined;
    try {
      const res = await fetch(`${fn.url}/hello`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({loop: 'uvloop', httptools: true, started: true, path: '/hello'});
      expect(await (await fetch(`${fn.url}/health/liveness`)).text()).toBe('Alive');
      exit = await stop(fn);
    } finally {
      if (exit === undefined) await stop(fn);
    }
    expect(exit).toBe(0);
    expect(await waitForOutput(fn, 'func stop ran')).toContain('func stop ran');
  });
});
