// The health-check adapters against real things on this machine: an HTTP server on 127.0.0.1 and
// real shell commands.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {CommandCheck} from '../../src/adapters/health/command-check.js';
import {HttpProbe} from '../../src/adapters/health/http-probe.js';

let base = '';
let served = 0;
const server = http.createServer((req, res) => {
  served++;
  if (req.url === '/slow') setTimeout(() => res.end('late'), 300);
  else if (req.url === '/flaky') res.writeHead(served % 2 ? 500 : 200).end();
  else res.end('ok');
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const target = (url?: string) => ({url, revisionName: 'hello-00002', nextPercent: 25, step: 2});
const never = new AbortController().signal;

describe('HttpProbe', () => {
  test('exactly --requests requests; healthy and fast passes', async () => {
    served = 0;
    const result = await new HttpProbe({requests: 12, maxErrorRate: 0, maxP95Ms: 1000}).check(target(`${base}/ok`), never);
    expect(served).toBe(12);
    expect(result).toMatchObject({passed: true, requests: 12, errors: 0});
    expect(result.p95Ms).toBeLessThan(1000);
  });

  test('failing answers are counted', async () => {
    served = 0;
    const result = await new HttpProbe({requests: 10, maxErrorRate: 0.1, maxP95Ms: 1000, concurrency: 1}).check(target(`${base}/flaky`), never);
    expect(result).toMatchObject({passed: false, errors: 5, errorRate: 0.5, sampleErrors: ['HTTP 500']});
  });

  test('slow answers fail the p95 limit; too slow ones time out as errors', async () => {
    const slow = await new HttpProbe({requests: 4, maxErrorRate: 0, maxP95Ms: 100}).check(target(`${base}/slow`), never);
    expect(slow.passed).toBe(false);
    expect(slow.failures.join()).toContain('p95 latency');
    const timedOut = await new HttpProbe({requests: 2, maxErrorRate: 0, maxP95Ms: 100, requestTimeoutMs: 50}).check(target(`${base}/slow`), never);
    expect(timedOut).toMatchObject({passed: false, errors: 2, sampleErrors: ['timed out after 50ms']});
  });

  test('nothing listening is an error per request, not a crash', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await new HttpProbe({requests: 3, maxErrorRate: 0, maxP95Ms: 100}).check(target(`http://127.0.0.1:${port}/`), never);
    expect(result).toMatchObject({passed: false, errors: 3, sampleErrors: ['ECONNREFUSED']});
  });

  test('an abort stops it early', async () => {
    const abort = new AbortController();
    abort.abort();
    served = 0;
    const result = await new HttpProbe({requests: 50, maxErrorRate: 0, maxP95Ms: 100}).check(target(`${base}/ok`), abort.signal);
    expect(served).toBe(0);
    expect(result.requests).toBe(0);
  });
});

describe('CommandCheck', () => {
  test('exit 0 passes and the command sees the canary in its environment', async () => {
    const result = await new CommandCheck('test "$FN_ROLLOUT_URL" = http://c.test/ && test "$FN_ROLLOUT_REVISION" = hello-00002 && test "$FN_ROLLOUT_PERCENT" = 25 && test "$FN_ROLLOUT_STEP" = 2', 10_000).check(target('http://c.test/'), never);
    expect(result.passed).toBe(true);
  });

  test('a non-zero exit fails with the code and the last lines of output', async () => {
    const result = await new CommandCheck('echo checking; echo "500 from /orders" >&2; exit 3', 10_000).check(target(), never);
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual(['--check-cmd exited 3: checking | 500 from /orders']);
  });

  test('a command past the timeout is killed and fails', async () => {
    const result = await new CommandCheck('sleep 5', 200).check(target(), never);
    expect(result.passed).toBe(false);
    expect(result.failures[0]).toContain('was killed: timed out after 200ms');
  });
});
