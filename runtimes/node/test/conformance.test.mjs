// The shared CloudEvents table (runtimes/conformance/cases.json) against the real Node.js invoker, and the
// table's header values against its percent-encoding.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {decodeHeaderValue, encodeHeaderValue} from '../lib/cloudevent-binding.mjs';
import {conformanceTool, ECHO_JS, runCase, table} from '../testing/conformance.mjs';
import {startInvoker, writeFunction} from '../testing/helpers.mjs';

describe('the CloudEvents table, node', () => {
  let fn;
  let tool;
  before(async () => {
    tool = conformanceTool();
    fn = await startInvoker(writeFunction({'index.js': ECHO_JS}), {FN_TEMPLATE: 'cloudevents'});
  });
  after(() => fn?.stop());
  for (const c of table.cases) test(c.name, () => runCase(fn, tool, c));
});

describe('ce- header values (HTTP binding 3.1.3.2)', () => {
  for (const v of table.headerValues) {
    test(`${JSON.stringify(v.encoded)}: ${v.why}`, () => {
      if (v.invalid) return assert.throws(() => decodeHeaderValue('ce-x', v.encoded), (e) => e.statusCode === 400 && /header ce-x is not percent-encoded UTF-8/.test(e.message));
      assert.equal(decodeHeaderValue('ce-x', v.encoded), v.decoded);
      if (!v.decodeOnly) assert.equal(encodeHeaderValue(v.decoded), v.encoded);
    });
  }
});
