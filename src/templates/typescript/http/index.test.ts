// Run with `npm test` (compiles, then runs node's test runner on dist/): calls handle() directly.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Context} from './fn-types.js';
import {handle} from './index.js';

const context = (query: Context['query'] = {}) => ({query, log: {info() {}}}) as unknown as Context;

test('greets the name from the query string', () => {
  assert.deepEqual(handle(context({name: 'Ada'})), {message: 'Hello Ada'});
});

test('greets the name from a JSON body', () => {
  assert.deepEqual(handle(context(), {name: 'Bob'}), {message: 'Hello Bob'});
});
