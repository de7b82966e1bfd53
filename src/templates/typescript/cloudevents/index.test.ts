// Run with `npm test` (compiles, then runs node's test runner on dist/): calls handle() directly.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {CloudEvent} from 'cloudevents';
import type {Context} from './fn-types.js';
import {handle} from './index.js';

test('answers a greeting event', () => {
  const incoming = new CloudEvent({type: 'com.example.hello', source: '/test', data: {name: 'Ada'}});
  const answer = handle({log: {info() {}}} as unknown as Context, incoming);
  assert.equal(answer.type, 'com.example.greeting');
  assert.deepEqual(answer.data, {message: 'Hello Ada', inReplyTo: incoming.id});
});
