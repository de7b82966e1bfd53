// The http template's contract, against the real invoker process.
import assert from 'node:assert/strict';
import {request} from 'node:http';
import {after, before, describe, test} from 'node:test';
import {startInvoker, writeFunction} from '../testing/helpers.mjs';

const FUNCTION = `
export async function handle(context, body) {
  switch (context.path) {
    case '/echo': return {method: context.method, query: context.query, body: body === undefined ? null : Buffer.isBuffer(body) ? 'buffer:' + body.length : body, header: context.headers['x-test'] ?? null};
    case '/text': return 'plain text';
    case '/bytes': return Buffer.from([1, 2, 3]);
    case '/nothing': return undefined;
    case '/shaped': return {statusCode: 201, headers: {'x-made': 'yes'}, body: {created: true}};
    case '/shaped-text': return {statusCode: 202, headers: {'content-type': 'text/csv'}, body: 'a,b'};
    case '/data-with-body-key': return {body: 1, other: 2};
    case '/throw': throw new Error('boom in handle');
    case '/reject': return Promise.reject(new Error('async boom'));
    case '/bad-request': throw Object.assign(new Error('name is required'), {statusCode: 400});
    case '/stray': setTimeout(() => { throw new Error('stray timer error'); }, 0); return 'ok';
    default: return {message: 'Hello ' + (context.query.name ?? body?.name ?? 'world')};
  }
}
`;

let fn;
before(async () => {
  fn = await startInvoker(writeFunction({'index.js': FUNCTION}), {FN_MAX_BODY_BYTES: '1024'});
});
after(() => fn.stop());

const get = (path, init) => fetch(fn.url + path, init);

describe('http functions', () => {
  test('GET with a query string', async () => {
    const res = await get('/?name=Ada');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), {message: 'Hello Ada'});
  });

  test('repeated query keys become an array; headers are readable', async () => {
    const res = await get('/echo?a=1&a=2&b=x', {headers: {'x-test': 'hi'}});
    assert.deepEqual(await res.json(), {method: 'GET', query: {a: ['1', '2'], b: 'x'}, body: null, header: 'hi'});
  });

  test('JSON, text, form and binary bodies are parsed by content type', async () => {
    const post = (body, type) => get('/echo', {method: 'POST', body, headers: {'content-type': type}}).then((r) => r.json());
    assert.deepEqual((await post('{"name":"Bob"}', 'application/json')).body, {name: 'Bob'});
    assert.equal((await post('hello', 'text/plain')).body, 'hello');
    assert.deepEqual((await post('a=1&b=2', 'application/x-www-form-urlencoded')).body, {a: '1', b: '2'});
    assert.equal((await post(new Uint8Array([0, 1, 2, 3]), 'application/octet-stream')).body, 'buffer:4');
  });

  test('return values map to answers', async () => {
    let res = await get('/text');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await res.text(), 'plain text');
    res = await get('/bytes');
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], [1, 2, 3]);
    res = await get('/nothing');
    assert.equal(res.status, 204);
    res = await get('/shaped');
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-made'), 'yes');
    assert.deepEqual(await res.json(), {created: true});
    res = await get('/shaped-text');
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('content-type'), 'text/csv');
    assert.equal(await res.text(), 'a,b');
    // Only objects made of statusCode/headers/body keys are responses; other objects are data.
    assert.deepEqual(await (await get('/data-with-body-key')).json(), {body: 1, other: 2});
  });

  test('a thrown error answers 500 JSON, is logged on stderr, and the server keeps serving', async () => {
    const res = await get('/throw');
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {error: 'boom in handle'});
    assert.match(fn.out.stderr, /boom in handle/);
    const rejected = await get('/reject');
    assert.equal(rejected.status, 500);
    assert.deepEqual(await rejected.json(), {error: 'async boom'});
    assert.equal((await get('/?name=again')).status, 200);
  });

  test('an error with statusCode chooses the status', async () => {
    const res = await get('/bad-request');
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {error: 'name is required'});
  });

  test('an error thrown outside the request is logged, not fatal', async () => {
    assert.equal(await (await get('/stray')).text(), 'ok');
    await new Promise((r) => setTimeout(r, 50));
    assert.match(fn.out.stderr, /stray timer error/);
    assert.equal(fn.child.exitCode, null);
    assert.equal((await get('/')).status, 200);
  });

  test('invalid JSON answers 400', async () => {
    const res = await get('/', {method: 'POST', body: '{nope', headers: {'content-type': 'application/json'}});
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /not valid JSON/);
  });

  test('a body over FN_MAX_BODY_BYTES answers 413 (declared length)', async () => {
    const res = await get('/echo', {method: 'POST', body: 'x'.repeat(2000), headers: {'content-type': 'text/plain'}});
    assert.equal(res.status, 413);
    assert.match((await res.json()).error, /larger than 1024 bytes/);
  });

  test('a chunked body over the limit answers 413 too', async () => {
    const status = await new Promise((resolve, reject) => {
      const req = request(fn.url + '/echo', {method: 'POST', headers: {'content-type': 'text/plain', 'transfer-encoding': 'chunked'}}, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('y'.repeat(300));
      req.end();
    });
    assert.equal(status, 413);
    assert.equal((await get('/')).status, 200);
  });

  test('health endpoints answer 200', async () => {
    for (const path of ['/health/liveness', '/health/readiness']) {
      const res = await get(path);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'OK');
    }
  });
});
