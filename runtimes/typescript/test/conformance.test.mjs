// The shared CloudEvents table (runtimes/conformance/cases.json) against the Node.js invoker serving the
// echo function written in TypeScript, through tsx as `fn run` does.
import {dirname, join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {conformanceTool, runCase, table} from '../../node/testing/conformance.mjs';
import {startInvoker, writeFunction} from '../../node/testing/helpers.mjs';

const registerTsx = join(dirname(fileURLToPath(import.meta.url)), '..', 'register-tsx.mjs');

const ECHO_TS = `interface Incoming {
  type: string;
  subject?: string;
  data?: unknown;
  toJSON(): Record<string, unknown>;
}

export function handle(_context: unknown, event: Incoming): Record<string, unknown> | undefined {
  const {data: _data, data_base64: _base64, ...attributes} = event.toJSON();
  const d = event.data;
  const data = d === undefined || d === null ? null : typeof d === 'string' ? d : ArrayBuffer.isView(d) ? Buffer.from(d as Uint8Array).toString('utf8') : JSON.stringify(d);
  const report = {...attributes, data};
  console.log('fn-test-received ' + JSON.stringify(report));
  if (event.type === 'com.fn.test.nothing') return undefined;
  return {specversion: '1.0', id: 'reply-1', source: '/fn/test', type: 'com.fn.test.reply', ...(event.subject === undefined ? {} : {subject: event.subject}), datacontenttype: 'application/json', data: report};
}
`;

describe('the CloudEvents table, typescript', () => {
  let fn;
  let tool;
  before(async () => {
    tool = conformanceTool();
    fn = await startInvoker(writeFunction({'index.ts': ECHO_TS}), {FN_TEMPLATE: 'cloudevents', FN_ENTRY: 'index.ts'}, ['--import', registerTsx]);
  });
  after(() => fn?.stop());
  for (const c of table.cases) test(c.name, () => runCase(fn, tool, c));
});
