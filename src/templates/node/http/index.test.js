// Run with `npm test`: calls handle() directly, no server needed.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {handle} from './index.js';

const context = (query = {}) => ({query, log: {info() {}}});

test('greets the name from the query string', () => {
  assert.deepEqual(handle(context({name: 'Ada'})), {message: 'Hello Ada'});
});

test('greets the name from a JSON body', () => {
  assert.deepEqual(handle(context(), {name: 'Bob'}), {message: 'Hello Bob'});
});
