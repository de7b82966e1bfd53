// The TypeScript runtime = the Node.js invoker + tsx on the host, or + tsc output in a container.
// Each template is rendered into a temp folder (its node_modules linked to fn's, which has typescript,
// @types/node and cloudevents) and served both ways.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {CloudEvent, HTTP} from 'cloudevents';
import {startInvoker} from '../../node/testing/helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const registerTsx = join(root, 'runtimes', 'typescript', 'register-tsx.mjs');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function renderTemplate(template, name) {
  const dir = join(mkdtempSync(join(tmpdir(), 'fn-ts-')), name);
  cpSync(join(root, 'src', 'templates', 'typescript', template), dir, {recursive: true});
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll('{{fn.name}}', name));
  }
  renameSync(join(dir, '_gitignore'), join(dir, '.gitignore'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

async function askHttp(fn) {
  return (await fetch(`${fn.url}/?name=Ada`)).json();
}

async function askEvent(fn, mode) {
  const event = new CloudEvent({type: 'com.example.hello', source: '/test', data: {name: 'Ada'}});
  const message = mode === 'structured' ? HTTP.structured(event) : HTTP.binary(event);
  const res = await fetch(fn.url, {method: 'POST', headers: message.headers, body: message.body});
  const headers = Object.fromEntries(res.headers.entries());
  return HTTP.toEvent({headers, body: await res.text()});
}

describe('typescript templates', () => {
  test('http: index.ts served through tsx on the host', async () => {
    const fn = await startInvoker(renderTemplate('http', 'greeter'), {FN_ENTRY: 'index.ts'}, ['--import', registerTsx]);
    try {
      assert.deepEqual(await askHttp(fn), {message: 'Hello Ada'});
    } finally {
      await fn.stop();
    }
  });

  test('http: compiled with tsc (as in a container), its own tests pass, dist/index.js is served', async () => {
    const dir = renderTemplate('http', 'greeter');
    execFileSync(process.execPath, [tsc, '-p', dir]);
    assert.ok(existsSync(join(dir, 'dist', 'index.js')));
    execFileSync(process.execPath, ['--test', 'dist/'], {cwd: dir, stdio: 'pipe'});
    const fn = await startInvoker(dir, {FN_ENTRY: 'dist/index.js'});
    try {
      assert.deepEqual(await askHttp(fn), {message: 'Hello Ada'});
    } finally {
      await fn.stop();
    }
  });

  for (const [how, env, nodeArgs, compile] of [
    ['tsx on the host', {FN_ENTRY: 'index.ts'}, ['--import', registerTsx], false],
    ['compiled with tsc', {FN_ENTRY: 'dist/index.js'}, [], true],
  ]) {
    test(`cloudevents: ${how}, binary and structured`, async () => {
      const dir = renderTemplate('cloudevents', 'events');
      if (compile) {
        execFileSync(process.execPath, [tsc, '-p', dir]);
        execFileSync(process.execPath, ['--test', 'dist/'], {cwd: dir, stdio: 'pipe'});
      }
      const fn = await startInvoker(dir, {...env, FN_TEMPLATE: 'cloudevents'}, nodeArgs);
      try {
        for (const mode of ['binary', 'structured']) {
          const answer = await askEvent(fn, mode);
          assert.equal(answer.type, 'com.example.greeting');
          assert.equal(answer.source, '/events');
          assert.equal(answer.data.message, 'Hello Ada');
        }
      } finally {
        await fn.stop();
      }
    });
  }

  test('the host run does not type-check: a type error does not stop tsx (tsc would refuse it)', async () => {
    const dir = renderTemplate('http', 'loose');
    writeFileSync(join(dir, 'index.ts'), `export function handle(): string { const n: number = 'not a number'; return 'still runs ' + n; }\n`);
    assert.throws(() => execFileSync(process.execPath, [tsc, '-p', dir], {stdio: 'pipe'}));
    const fn = await startInvoker(dir, {FN_ENTRY: 'index.ts'}, ['--import', registerTsx]);
    try {
      assert.equal(await (await fetch(fn.url)).text(), 'still runs not a number');
    } finally {
      await fn.stop();
    }
  });
});
