// Kubernetes quantities: apimachinery's grammar, and an exact order (no floating point).
import {describe, expect, test} from '@jest/globals';
import {compareQuantities, parseQuantity} from '../../src/core/quantity.js';

describe('parseQuantity', () => {
  test.each(['0', '1', '128Mi', '1Gi', '0.5', '.5', '1.', '250m', '100n', '3u', '2k', '1M', '1E', '8Ei', '1e3', '1E3', '1e-3', '1e+21', '+1', '-1'])('%s is a quantity', (text) => {
    expect(parseQuantity(text)).toBeDefined();
  });
  test.each(['', '.', 'lots', '1K', '1mi', '1 Mi', '1Mib', '1e', '1e1.5', '--1', '1..5', 'Infinity', '0x10', '1Gi ', ' 1'])('%j is not', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
  test('YAML numbers are their decimal text', () => {
    expect(parseQuantity(0.25)).toEqual(parseQuantity('0.25'));
    expect(parseQuantity(1e21)).toEqual(parseQuantity('1e+21'));
  });
});

describe('compareQuantities', () => {
  const cmp = (a: string, b: string) => compareQuantities(parseQuantity(a)!, parseQuantity(b)!);
  test.each([
    ['1Gi', '1073741824', 0],
    ['1Gi', '1024Mi', 0],
    ['0.1', '100m', 0],
    ['1e3', '1k', 0],
    ['0', '-0', 0],
    ['1G', '1Gi', -1],
    ['1.1Gi', '1G', 1],
    ['1500m', '1.2', 1],
    ['1n', '0', 1],
    ['-1', '0', -1],
    ['1e1000', '8Ei', 1],
    ['1e-1000', '1n', -1],
    ['999999999999999999999', '1e21', -1],
  ])('%s vs %s: %d', (a, b, order) => {
    expect(cmp(a, b)).toBe(order);
    expect(cmp(b, a)).toBe(-order || 0);
  });
});
