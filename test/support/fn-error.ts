// Run a function that must throw an FnError, and return it for assertions on code, exit code and text.
import {expect} from '@jest/globals';
import {FnError} from '../../src/core/errors.js';

export function fnError(fn: () => unknown): FnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FnError);
    return e as FnError;
  }
  throw new Error('expected an FnError');
}
