// Runs the shared CloudEvents table (runtimes/conformance/cases.json) against a running invoker that serves
// the echo function (runtimes/conformance/README.md): each case is sent with the CloudEvents conformance
// tool or as a raw request, then its status, error, what the function received and the reply are checked.
// Used by the node and typescript suites.
import assert from 'node:assert/strict';
import {execFile, execFileSync} from 'node:child_process';
import {accessSync, constants, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

export const conformanceDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'conformance');
export const table = JSON.parse(readFileSync(join(conformanceDir, 'cases.json'), 'utf8'));
const RECEIVED = 'fn-test-received ';

/** The conformance tool's path: FN_CE_CONFORMANCE, else where install.sh puts it. Missing → an error that says how to get it. */
export function conformanceTool() {
  const path = process.env.FN_CE_CONFORMANCE || execFileSync('bash', [join(conformanceDir, 'install.sh'), '--print-path'], {encoding: 'utf8'}).trim();
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`the CloudEvents conformance tool is not installed at ${path}: run \`bash runtimes/conformance/install.sh\` (runtimes/test-all.sh does)`);
  }
  return path;
}

/** The echo function in JavaScript (the TypeScript suite has its own copy in TypeScript). */
export const ECHO_JS = `export function handle(context, event) {
  const {data: _data, data_base64: _base64, ...attributes} = event.toJSON();
  const d = event.data;
  const data = d === undefined || d === null ? null : typeof d === 'string' ? d : ArrayBuffer.isView(d) ? Buffer.from(d).toString('utf8') : JSON.stringify(d);
  const report = {...attributes, data};
  console.log(${JSON.stringify(RECEIVED)} + JSON.stringify(report));
  if (event.type === 'com.fn.test.nothing') return undefined;
  // An object with specversion, id, source and type is answered as that event.
  return {specversion: '1.0', id: 'reply-1', source: '/fn/test', type: 'com.fn.test.reply', ...(event.subject === undefined ? {} : {subject: event.subject}), datacontenttype: 'application/json', data: report};
}
`;

function runTool(tool, url, args) {
  return new Promise((resolve) => {
    execFile(tool, ['send', url, ...args], {encoding: 'utf8'}, (error, stdout, stderr) => {
      if (!error) return resolve({status: undefined});
      const got = /got (\d{3})/.exec(stderr);
      assert.ok(got, `cloudevents send failed without an HTTP status: ${stderr}`);
      resolve({status: Number(got[1])});
    });
  });
}

async function sendRaw(url, raw) {
  const body = raw.bodyBase64 !== undefined ? Buffer.from(raw.bodyBase64, 'base64') : raw.bodyJson !== undefined ? JSON.stringify(raw.bodyJson) : raw.body;
  const res = await fetch(url, {method: raw.method ?? 'POST', headers: raw.headers ?? {}, body});
  return {status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text()};
}

/** The report the echo function printed after `from` characters of stdout, waiting for it a little. */
async function receivedSince(out, from, wait) {
  for (let i = 0; ; i++) {
    const line = out.stdout.slice(from).split('\n').find((l) => l.startsWith(RECEIVED));
    if (line) return JSON.parse(line.slice(RECEIVED.length));
    if (!wait || i >= 100) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function checkReceived(report, expected) {
  assert.ok(report, 'the function was not called');
  for (const [name, want] of Object.entries(expected)) {
    if (name === 'data' && typeof want !== 'string') assert.deepEqual(JSON.parse(report.data), want, 'data');
    else assert.equal(report[name], want, `attribute ${name}`);
  }
}

function checkReply(answer, expected) {
  const type = (answer.headers['content-type'] ?? '').split(';')[0].trim();
  if (expected.mode === 'structured') {
    assert.equal(type, 'application/cloudevents+json', 'a structured-mode reply');
    assert.equal(answer.headers['ce-id'], undefined);
  }
  if (expected.mode === 'binary') assert.ok(answer.headers['ce-id'], `a binary-mode reply: ${JSON.stringify(answer.headers)}`);
  for (const [name, want] of Object.entries(expected.headers ?? {})) assert.equal(answer.headers[name] ?? null, want, `reply header ${name}`);
  if (expected.body) {
    const body = JSON.parse(answer.body);
    for (const [name, want] of Object.entries(expected.body)) assert.deepEqual(body[name], want, `reply member ${name}`);
  }
}

/** Sends one case to fn ({url, out: {stdout}}) and checks what the table expects. */
export async function runCase(fn, tool, c) {
  const {expect} = c;
  const from = fn.out.stdout.length;
  if (c.send.tool) {
    assert.ok(!expect.error && !expect.reply, 'the conformance tool shows neither the error nor the reply: use send.raw');
    const {status} = await runTool(tool, fn.url, c.send.tool);
    if (status === undefined) assert.ok(expect.status >= 200 && expect.status < 300, `answered 2xx, expected ${expect.status}`);
    else assert.equal(status, expect.status);
  } else {
    const answer = await sendRaw(fn.url, c.send.raw);
    assert.equal(answer.status, expect.status, `status (body: ${answer.body})`);
    if (expect.error) assert.match(JSON.parse(answer.body).error, new RegExp(expect.error, 'u'));
    if (expect.reply) checkReply(answer, expect.reply);
  }
  if (expect.status >= 400) assert.equal(await receivedSince(fn.out, from, false), undefined, 'the function must not be called');
  else if (expect.received) checkReceived(await receivedSince(fn.out, from, true), expect.received);
}
