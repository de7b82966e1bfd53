// Run with `npm test`: calls handle() directly, no server needed.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {CloudEvent} from 'cloudevents';
import {handle} from './index.js';

test('answers a greeting event', () => {
  const incoming = new CloudEvent({type: 'com.example.hello', source: '/test', data: {name: 'Ada'}});
  const answer = handle({log: {info() {}}}, incoming);
  assert.equal(answer.type, 'com.example.greeting');
  assert.deepEqual(answer.data, {message: 'Hello Ada', inReplyTo: incoming.id});
});
