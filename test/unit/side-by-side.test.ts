import {describe, expect, test} from '@jest/globals';
import {sideBySide} from '../../src/core/side-by-side.js';

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failLater = (ms: number, message: string) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms));

describe('sideBySide', () => {
  test('returns every value in argument order', async () => {
    await expect(sideBySide([later(20, 'a'), later(1, 2), 'plain'] as const)).resolves.toEqual(['a', 2, 'plain']);
  });

  test('when several fail, reports the first argument even if it failed last', async () => {
    await expect(sideBySide([failLater(40, 'service read denied'), failLater(1, 'revision read denied')] as const)).rejects.toThrow('service read denied');
  });

  test('a single failure is reported whatever its position', async () => {
    await expect(sideBySide([later(1, 'ok'), failLater(5, 'revision read denied')] as const)).rejects.toThrow('revision read denied');
  });
});
