import {describe, expect, test} from '@jest/globals';
import {toDnsLabel, validateFunctionName, validateTag} from '../../src/core/names.js';
import {parseKeyValues} from '../../src/core/key-values.js';

describe('function names', () => {
  test.each(['a', 'hello', 'hello-world-2', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(validateFunctionName(name)).toBe(name);
  });

  test.each([
    ['Hello', 'use --name hello'],
    ['my_func', 'use --name my-func'],
    ['2fast', 'use --name fn-2fast'],
    ['-x-', 'use --name x'],
    ['a'.repeat(64), `use --name ${'a'.repeat(63)}`],
    ['!!!', 'choose a name like my-function'],
  ])('refuses %s and suggests a fix', (name, suggestion) => {
    expect(() => validateFunctionName(name)).toThrow(expect.objectContaining({code: 'INVALID_NAME', exitCode: 2, suggestion}));
  });

  test('toDnsLabel never ends with a dash after truncation', () => {
    expect(toDnsLabel(`${'a'.repeat(62)}-b`)).toBe('a'.repeat(62));
  });
});

describe('tags', () => {
  test('accepts DNS-1035 labels', () => expect(validateTag('v2')).toBe('v2'));
  test.each(['V2', '2v', 'v_2', ''])('refuses %j', (tag) => {
    expect(() => validateTag(tag)).toThrow(expect.objectContaining({code: 'INVALID_TAG', exitCode: 2}));
  });
});

describe('NAME=VALUE flags', () => {
  test('parses values containing =', () => {
    expect(parseKeyValues(['A=1', 'B=x=y', 'C='], 'env')).toEqual({A: '1', B: 'x=y', C: ''});
  });
  test.each(['A', '=1', '1A=2', 'A-B=1'])('refuses %j naming the flag', (pair) => {
    expect(() => parseKeyValues([pair], 'build-arg')).toThrow(expect.objectContaining({message: expect.stringContaining(`--build-arg "${pair}"`), exitCode: 2}));
  });
});
