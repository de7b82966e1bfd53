// NAME=VALUE lists from repeatable flags (--env, --build-arg).
import {FnError} from './errors.js';

export function parseKeyValues(pairs: string[], flag: string, keyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0 || !keyPattern.test(pair.slice(0, i))) {
      throw new FnError('INVALID_KEY_VALUE', 'usage', `--${flag} "${pair}" is not NAME=VALUE with NAME matching ${keyPattern.source}`, {
        suggestion: `write it as --${flag} NAME=value`,
      });
    }
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}
