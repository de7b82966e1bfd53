import {describe, expect, test} from '@jest/globals';
import {commandGate, evaluateGate, isFailure, percentile, type Sample} from '../../src/core/rollout/gate.js';

const ok = (latencyMs: number): Sample => ({status: 200, latencyMs});
const limits = {maxErrorRate: 0.01, maxP95Ms: 500};

describe('percentile (nearest rank)', () => {
  test.each([
    [[], 95, undefined],
    [[7], 95, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95, 19],
    [[20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 95, 19],
    [Array.from({length: 100}, (_, i) => i + 1), 95, 95],
    [[10, 1000], 95, 1000],
    [[1, 2, 3], 50, 2],
  ])('%j p%d = %s', (values, p, expected) => expect(percentile(values, p)).toBe(expected));
});

test.each([
  [{status: 200, latencyMs: 1}, false],
  [{status: 302, latencyMs: 1}, false],
  [{status: 404, latencyMs: 1}, true],
  [{status: 503, latencyMs: 1}, true],
  [{status: 101, latencyMs: 1}, true],
  [{latencyMs: 1, error: 'ECONNREFUSED'}, true],
])('isFailure(%j) = %s', (sample, failed) => expect(isFailure(sample)).toBe(failed));

describe('evaluateGate', () => {
  test('all healthy and fast passes', () => {
    const result = evaluateGate(Array.from({length: 20}, (_, i) => ok(10 + i)), limits);
    expect(result).toEqual({passed: true, requests: 20, errors: 0, errorRate: 0, p95Ms: 28, failures: [], sampleErrors: []});
  });

  test('an error rate above the limit fails with the measured rate and count', () => {
    const samples = [...Array.from({length: 18}, () => ok(5)), {status: 503, latencyMs: 5}, {latencyMs: 3000, error: 'ECONNRESET'}];
    const result = evaluateGate(samples, limits);
    expect(result.passed).toBe(false);
    expect(result.errorRate).toBeCloseTo(0.1);
    expect(result.failures).toEqual(['error rate 10% (2/20) is above --max-error-rate 1%']);
    expect(result.sampleErrors).toEqual(['HTTP 503', 'ECONNRESET']);
    // The request that never answered does not count towards latency.
    expect(result.p95Ms).toBe(5);
  });

  test('exactly at the limit passes (the limit is the highest accepted value)', () => {
    const samples = [...Array.from({length: 99}, () => ok(500)), {status: 500, latencyMs: 1}];
    expect(evaluateGate(samples, limits).passed).toBe(true);
  });

  test('slow answers fail on p95 even when all succeed', () => {
    const samples = [...Array.from({length: 18}, () => ok(100)), ok(900), ok(950)];
    const result = evaluateGate(samples, limits);
    expect(result.passed).toBe(false);
    expect(result.p95Ms).toBe(900);
    expect(result.failures).toEqual(['p95 latency 900ms is above --max-p95 500ms']);
  });

  test('both limits broken report both', () => {
    const result = evaluateGate([ok(2000), {status: 500, latencyMs: 2000}], limits);
    expect(result.failures).toHaveLength(2);
  });

  test('no samples fails', () => {
    expect(evaluateGate([], limits)).toMatchObject({passed: false, errorRate: 1, failures: ['no health-check request was made']});
  });
});

test('commandGate: exit 0 passes; otherwise the exit code and the last output lines are the reason', () => {
  expect(commandGate(0, 'fine').passed).toBe(true);
  const failed = commandGate(3, 'checking\n500 from /orders\nsmoke test failed\n');
  expect(failed.passed).toBe(false);
  expect(failed.failures).toEqual(['--check-cmd exited 3: checking | 500 from /orders | smoke test failed']);
  expect(commandGate(undefined, '').failures).toEqual(['--check-cmd was killed']);
});
