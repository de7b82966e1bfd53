// The cloudevents template's contract: binary and structured requests, answers in the same mode.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {CloudEvent, HTTP} from 'cloudevents';
import {startInvoker, writeFunction} from '../testing/helpers.mjs';

const FUNCTION = `
export async function handle(context, event) {
  switch (event.type) {
    case 'com.test.nothing': return undefined;
    case 'com.test.throw': throw new Error('event boom');
    case 'com.test.event': return {specversion: '1.0', id: 'answer-1', type: 'com.test.answer', source: '/answerer', datacontenttype: 'application/json', data: {ok: true}};
    default: return {echo: event.data, type: event.type, header: context.headers['x-extra'] ?? null};
  }
}
`;

let fn;
before(async () => {
  fn = await startInvoker(writeFunction({'index.js': FUNCTION}), {FN_TEMPLATE: 'cloudevents', FN_MAX_BODY_BYTES: '2048'});
});
after(() => fn.stop());

async function send(event, mode = 'binary', extraHeaders = {}) {
  const message = mode === 'binary' ? HTTP.binary(event) : HTTP.structured(event);
  const res = await fetch(fn.url, {method: 'POST', headers: {...message.headers, ...extraHeaders}, body: message.body});
  const body = await res.text();
  const headers = Object.fromEntries(res.headers.entries());
  return {status: res.status, headers, body, event: res.status === 200 ? HTTP.toEvent({headers, body}) : undefined};
}

const hello = (type = 'com.test.hello', data = {name: 'Ada'}) => new CloudEvent({type, source: '/tests', data});

describe('cloudevents functions', () => {
  test('binary in, binary out: plain data is wrapped in a response event', async () => {
    const {status, headers, event} = await send(hello(), 'binary', {'x-extra': 'seen'});
    assert.equal(status, 200);
    assert.ok(headers['ce-id'], 'binary answer carries ce- headers');
    assert.equal(event.type, 'com.test.hello.response');
    assert.match(event.source, /^\/fn\//);
    assert.deepEqual(event.data, {echo: {name: 'Ada'}, type: 'com.test.hello', header: 'seen'});
  });

  test('structured in, structured out', async () => {
    const {status, headers, event} = await send(hello(), 'structured');
    assert.equal(status, 200);
    assert.match(headers['content-type'], /^application\/cloudevents\+json/);
    assert.equal(headers['ce-id'], undefined);
    assert.deepEqual(event.data.echo, {name: 'Ada'});
  });

  test('a returned CloudEvent-shaped object is sent as that event', async () => {
    const {event} = await send(hello('com.test.event'));
    assert.equal(event.id, 'answer-1');
    assert.equal(event.type, 'com.test.answer');
    assert.equal(event.source, '/answerer');
    assert.deepEqual(event.data, {ok: true});
  });

  test('nothing returned answers 204', async () => {
    assert.equal((await send(hello('com.test.nothing'))).status, 204);
  });

  test('a thrown error answers 500 JSON and is logged', async () => {
    const {status, body} = await send(hello('com.test.throw'));
    assert.equal(status, 500);
    assert.deepEqual(JSON.parse(body), {error: 'event boom'});
    assert.match(fn.out.stderr, /event boom/);
    assert.equal((await send(hello())).status, 200);
  });

  test('binary JSON data is parsed whatever the case and parameters of its media type; datacontenttype is kept', async () => {
    const headers = {'ce-specversion': '1.0', 'ce-id': 'j-1', 'ce-source': '/tests', 'ce-type': 'com.test.hello', 'content-type': 'Application/JSON; charset=UTF-8'};
    const res = await fetch(fn.url, {method: 'POST', headers, body: '{"name":"Ada"}'});
    assert.equal(res.status, 200);
    const answer = HTTP.toEvent({headers: Object.fromEntries(res.headers.entries()), body: await res.text()});
    assert.deepEqual(answer.data.echo, {name: 'Ada'});
  });

  test('a request that is not a CloudEvent answers 400', async () => {
    const res = await fetch(fn.url, {method: 'POST', body: '{"a":1}', headers: {'content-type': 'application/json'}});
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /not a valid CloudEvent/);
  });

  test('an event over FN_MAX_BODY_BYTES answers 413', async () => {
    const {status, body} = await send(hello('com.test.hello', {blob: 'z'.repeat(5000)}));
    assert.equal(status, 413);
    assert.match(JSON.parse(body).error, /larger than 2048 bytes/);
  });
});
