// Process behaviour: graceful SIGTERM, hooks, module shapes, startup failures.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {describe, test} from 'node:test';
import {invokerPath, startInvoker, writeFunction} from '../testing/helpers.mjs';

describe('invoker process', () => {
  test('SIGTERM lets an in-flight request finish, then exits 0 and runs shutdown()', async () => {
    const dir = writeFunction({
      'index.js': `
        export async function handle(context) {
          if (context.path === '/slow') await new Promise((r) => setTimeout(r, 700));
          return 'done ' + context.path;
        }
        export function shutdown() { process.stdout.write('shutdown hook ran\\n'); }
      `,
    });
    const fn = await startInvoker(dir);
    const slow = fetch(fn.url + '/slow').then(async (r) => [r.status, await r.text()]);
    await new Promise((r) => setTimeout(r, 200));
    fn.child.kill('SIGTERM');
    assert.deepEqual(await slow, [200, 'done /slow']);
    assert.deepEqual(await fn.exited, {code: 0, signal: null});
    assert.match(fn.out.stdout, /shutdown hook ran/);
  });

  test('readiness answers 503 while draining', async () => {
    const dir = writeFunction({'index.js': `export const handle = async () => { await new Promise((r) => setTimeout(r, 600)); return 'ok'; };`});
    const fn = await startInvoker(dir);
    const slow = fetch(fn.url + '/');
    await new Promise((r) => setTimeout(r, 100));
    fn.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    // New connections are refused once the listener is closed; either outcome means "not ready".
    const readiness = await fetch(fn.url + '/health/readiness').then((r) => r.status, () => 'refused');
    assert.ok(readiness === 503 || readiness === 'refused', `readiness was ${readiness}`);
    assert.equal((await slow).status, 200);
    assert.equal((await fn.exited).code, 0);
  });

  test('init() runs before serving; a readiness hook returning false answers 503', async () => {
    const dir = writeFunction({
      'index.js': `
        let greeting;
        export async function init() { greeting = 'initialised'; }
        export function readiness() { return false; }
        export function liveness() { return true; }
        export function handle() { return greeting; }
      `,
    });
    // startInvoker waits for readiness 200, so start it with a helper that only waits for liveness.
    const {spawn} = await import('node:child_process');
    const {freePort} = await import('../testing/helpers.mjs');
    const port = await freePort();
    const child = spawn(process.execPath, [invokerPath], {env: {...process.env, PORT: String(port), FN_FUNCTION_DIR: dir}, stdio: 'ignore'});
    try {
      let live;
      for (let i = 0; i < 200 && !live; i++) {
        live = await fetch(`http://127.0.0.1:${port}/health/liveness`).then((r) => r.ok, () => false);
        if (!live) await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(live);
      assert.equal((await fetch(`http://127.0.0.1:${port}/health/readiness`)).status, 503);
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'initialised');
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('CommonJS exports, default exports and package.json main are accepted', async () => {
    for (const [files, expected] of [
      [{'package.json': '{}', 'index.js': `module.exports = {handle: () => 'cjs object'};`}, 'cjs object'],
      [{'package.json': '{}', 'index.js': `module.exports = () => 'cjs function';`}, 'cjs function'],
      [{'index.js': `export default {handle() { return this.word; }, word: 'default object'};`}, 'default object'],
      [{'package.json': '{"type":"module","main":"fn.js"}', 'index.js': 'throw new Error("wrong file")', 'fn.js': `export const handle = () => 'package main';`}, 'package main'],
    ]) {
      const fn = await startInvoker(writeFunction(files));
      assert.equal(await (await fetch(fn.url)).text(), expected);
      await fn.stop();
    }
  });

  test('FN_ENTRY picks the module file', async () => {
    const dir = writeFunction({'index.js': 'throw new Error("not me")', 'other.mjs': `export const handle = () => 'from other';`});
    const fn = await startInvoker(dir, {FN_ENTRY: 'other.mjs'});
    assert.equal(await (await fetch(fn.url)).text(), 'from other');
    await fn.stop();
  });

  test('a module without handle() exits 1 with a message naming the fix', () => {
    const dir = writeFunction({'index.js': 'export const nothing = 1;'});
    const r = spawnSync(process.execPath, [invokerPath], {env: {...process.env, PORT: '0', FN_FUNCTION_DIR: dir}, encoding: 'utf8'});
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not export a handle function/);
  });

  test('bad settings exit 2 naming the variable', () => {
    const dir = writeFunction({'index.js': 'export const handle = () => 1;'});
    for (const env of [{FN_TEMPLATE: 'grpc'}, {FN_MAX_BODY_BYTES: 'lots'}]) {
      const r = spawnSync(process.execPath, [invokerPath], {env: {...process.env, PORT: '0', FN_FUNCTION_DIR: dir, ...env}, encoding: 'utf8'});
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(Object.keys(env)[0]));
    }
  });
});
