// `fn invoke --cloudevent`: the ce- headers it sends are percent-encoded and the reply's are decoded
// (HTTP binding 3.1.3.2), checked against the shared table's header values
// (runtimes/conformance/cases.json). The request goes through InvokeRequest.send, the same seam the
// ingress path uses, so nothing leaves the process.
import {describe, expect, test} from '@jest/globals';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {invoke} from '../../src/core/invoke.js';
import {runtimesDir} from '../../src/paths.js';

interface HeaderValue {
  decoded?: string;
  encoded: string;
  decodeOnly?: boolean;
  invalid?: boolean;
  why: string;
}

const headerValues: HeaderValue[] = JSON.parse(readFileSync(join(runtimesDir, 'conformance', 'cases.json'), 'utf8')).headerValues;

function capture(reply: {status?: number; headers?: Record<string, string>; body?: string} = {}) {
  const sent: {headers?: Record<string, string>} = {};
  const send = async (_url: string, init: {headers: Record<string, string>}) => {
    sent.headers = init.headers;
    return {status: reply.status ?? 204, headers: reply.headers ?? {}, body: reply.body ?? ''};
  };
  return {sent, send};
}

describe('fn invoke --cloudevent and ce- header values', () => {
  test.each(headerValues.filter((v) => !v.decodeOnly && !v.invalid))('sends $decoded as $encoded ($why)', async (v) => {
    const {sent, send} = capture();
    await invoke({url: 'http://fn.test/', cloudevent: {type: v.decoded!, source: '/cli', id: v.decoded!}, data: '{}', send});
    expect(sent.headers?.['ce-type']).toBe(v.encoded);
    expect(sent.headers?.['ce-id']).toBe(v.encoded);
    expect(sent.headers?.['ce-source']).toBe('/cli');
  });

  test.each(headerValues.filter((v) => !v.invalid))('reads a reply header $encoded as $decoded ($why)', async (v) => {
    const {send} = capture({
      status: 200,
      headers: {'ce-specversion': '1.0', 'ce-id': 'r-1', 'ce-source': '/fn/x', 'ce-type': 'com.example.reply', 'ce-subject': v.encoded, 'content-type': 'application/json'},
      body: '{"ok":true}',
    });
    const result = await invoke({url: 'http://fn.test/', cloudevent: {type: 'com.example.hello', source: '/cli'}, send});
    expect(result.cloudevent).toMatchObject({subject: v.decoded, data: {ok: true}});
  });

  test('a --source that is not a URI reference is a usage error naming the flag, not a crash', async () => {
    const {send} = capture();
    await expect(invoke({url: 'http://fn.test/', cloudevent: {type: 'com.example.hello', source: 'not a uri'}, send})).rejects.toMatchObject({
      code: 'INVOKE_INVALID_CLOUDEVENT',
      exitCode: 2,
      message: expect.stringContaining('--source must match format "uri-reference"'),
    });
  });

  test('a reply header that is not percent-encoded UTF-8 is shown as it came', async () => {
    const {send} = capture({status: 200, headers: {'ce-specversion': '1.0', 'ce-id': 'r-1', 'ce-source': '/fn/x', 'ce-type': 't', 'ce-subject': '%C0%A0'}, body: ''});
    const result = await invoke({url: 'http://fn.test/', cloudevent: {type: 'com.example.hello', source: '/cli'}, send});
    expect(result.cloudevent).toMatchObject({subject: '%C0%A0'});
  });
});

describe('fn invoke --cloudevent reading a structured reply', () => {
  test('the media type is matched case-insensitively, with parameters', async () => {
    const body = JSON.stringify({specversion: '1.0', id: 'r-2', source: '/fn/x', type: 'com.example.reply', subject: 'Euro € 😀', data: {ok: 1}});
    const {send} = capture({status: 200, headers: {'content-type': 'Application/CloudEvents+JSON; charset=UTF-8'}, body});
    const result = await invoke({url: 'http://fn.test/', cloudevent: {type: 'com.example.hello', source: '/cli'}, send});
    expect(result.cloudevent).toMatchObject({id: 'r-2', subject: 'Euro € 😀', data: {ok: 1}});
  });

  test('an answer that claims to be an event but is not one is shown as it came', async () => {
    const {send} = capture({status: 200, headers: {'content-type': 'application/cloudevents+json'}, body: 'not json'});
    const result = await invoke({url: 'http://fn.test/', cloudevent: {type: 'com.example.hello', source: '/cli'}, send});
    expect({cloudevent: result.cloudevent, body: result.body}).toEqual({cloudevent: undefined, body: 'not json'});
  });
});
