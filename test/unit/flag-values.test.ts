import {describe, expect, test} from '@jest/globals';
import {formatDuration, formatRate, parseCount, parseDuration, parsePercentage, parseSteps} from '../../src/core/flag-values.js';
import {FnError} from '../../src/core/errors.js';

function usageError(fn: () => unknown): FnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FnError);
    expect((e as FnError).exitCode).toBe(2);
    return e as FnError;
  }
  throw new Error('expected a usage error');
}

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    [' 10s ', 10_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration('interval', text)).toBe(ms));

  test.each(['30', '', 's', '1d', '10 s', '-1s', '1s2', 'abc'])('%j is refused, naming the flag and the value', (text) => {
    const e = usageError(() => parseDuration('interval', text));
    expect(e.message).toContain('--interval');
    expect(e.message).toContain(JSON.stringify(text));
    expect(e.suggestion).toMatch(/ms, s, m or h/);
  });

  test('0s is refused unless allowed', () => {
    usageError(() => parseDuration('interval', '0s'));
    expect(parseDuration('interval', '0s', {allowZero: true})).toBe(0);
  });
});

describe('parsePercentage', () => {
  test.each([
    ['1%', 0.01],
    ['0.5%', 0.005],
    ['0%', 0],
    ['100%', 1],
    [' 5 % ', 0.05],
  ])('%s → %d', (text, fraction) => expect(parsePercentage('max-error-rate', text)).toBeCloseTo(fraction, 10));

  test.each(['1', '0.01', '101%', '-1%', 'x%', ''])('%j is refused', (text) => {
    const e = usageError(() => parsePercentage('max-error-rate', text));
    expect(e.message).toContain('--max-error-rate');
  });
});

describe('parseSteps', () => {
  test.each([
    ['5,25,50,100', [5, 25, 50, 100]],
    ['100', [100]],
    ['10%, 50%, 100%', [10, 50, 100]],
    ['1,2,3,100', [1, 2, 3, 100]],
  ])('%s → %j', (text, steps) => expect(parseSteps('steps', text)).toEqual(steps));

  test.each([
    ['5,25,50', 'the last step must be 100'],
    ['50,25,100', '25 does not increase on 50'],
    ['5,5,100', '5 does not increase on 5'],
    ['0,100', '0 is outside 1–100'],
    ['5,150', '150 is outside 1–100'],
    ['5,x,100', '"x" is not a whole percentage'],
    ['2.5,100', '"2.5" is not a whole percentage'],
    ['', '"" is not a whole percentage'],
  ])('%j: %s', (text, why) => {
    expect(usageError(() => parseSteps('steps', text)).message).toContain(why);
  });
});

test('parseCount bounds', () => {
  expect(parseCount('requests', '20', 1, 10_000)).toBe(20);
  expect(usageError(() => parseCount('requests', '0', 1, 10_000)).message).toBe('--requests "0" is not a whole number from 1 to 10000');
  expect(usageError(() => parseCount('requests', '2.5', 1, 10_000)).message).toContain('"2.5"');
});

test('a bare number is not a duration, and the error says which unit to add', () => {
  const e = usageError(() => parseDuration('timeout', '300'));
  expect(e.message).toBe('--timeout "300" is not a duration: a unit is required');
  expect(e.suggestion).toMatch(/^--timeout 300s /);
});

test.each([
  [250, '250ms'],
  [1500, '1.5s'],
  [60_000, '1m'],
  [90_000, '1m30s'],
])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

test('formatRate', () => {
  expect(formatRate(0.0123)).toBe('1.23%');
  expect(formatRate(0)).toBe('0%');
});
