// Test helpers: write a function into a temp folder and run the real invoker process on a free port.
import {spawn} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

export const invokerPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'invoker.mjs');

export function writeFunction(files) {
  const dir = mkdtempSync(join(tmpdir(), 'fn-node-invoker-'));
  for (const [name, text] of Object.entries({'package.json': '{"type":"module"}', ...files})) writeFileSync(join(dir, name), text);
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts the invoker; resolves once /health/readiness answers 200. */
export async function startInvoker(dir, env = {}, nodeArgs = []) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, invokerPath], {
    cwd: dir,
    env: {...process.env, PORT: String(port), FN_FUNCTION_DIR: dir, ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = {stdout: '', stderr: ''};
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`invoker exited early (${child.exitCode}): ${out.stderr}`);
    try {
      if ((await fetch(`${url}/health/readiness`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`invoker not ready: ${out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {url, child, out, exited, stop: async () => (child.exitCode === null && child.kill('SIGTERM'), exited)};
}
