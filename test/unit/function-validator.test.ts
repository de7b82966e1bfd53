// The bundle fn runs checks fn.yaml with a validator generated at build time
// (scripts/standalone-validator.mjs) instead of compiling the schema on every run: it must answer
// exactly as the runtime-compiled one in src/core/function-validator.ts does, errors and all.
import {describe, expect, test} from '@jest/globals';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {parse} from 'yaml';
import {AJV_OPTIONS, functionValidator} from '../../src/core/function-validator.js';
import {functionSchema} from '../../src/core/function-schema.js';
// @ts-expect-error: a build script in plain JavaScript
import {functionValidatorSource} from '../../scripts/standalone-validator.mjs';

/** Evaluates the generated module (ESM text with require() of ajv's runtime helpers) as the bundle would. */
function generatedValidator(): {functionValidator: () => (data: unknown) => boolean; AJV_OPTIONS: unknown} {
  const source: string = functionValidatorSource(functionSchema, AJV_OPTIONS);
  const body = source.replace(/^export const (\w+) =/m, 'exports.$1 =').replace(/^export function (\w+)/m, 'exports.$1 = function $1');
  const exports: any = {};
  new Function('require', 'exports', body)(createRequire(import.meta.url), exports);
  return exports;
}

const full = readFileSync(fileURLToPath(new URL('./golden/full/fn.yaml', import.meta.url)), 'utf8');
const documents: Array<[string, unknown]> = [
  ['the full example', parse(full)],
  ['minimal', {name: 'hello', runtime: 'node'}],
  ['unknown key', {name: 'hello', runtime: 'node', scale: {mni: 1}}],
  ['bad enum', {name: 'hello', runtime: 'cobol'}],
  ['missing name', {runtime: 'node'}],
  ['wrong types everywhere', {name: 1, runtime: 'node', env: [{name: 'A', value: 1}], labels: 'x', subscriptions: [{broker: 3}]}],
  ['not an object', ['name', 'hello']],
];

describe('the build-time fn.yaml validator', () => {
  const generated = generatedValidator();
  test('has the same options', () => expect(generated.AJV_OPTIONS).toEqual(AJV_OPTIONS));

  test.each(documents)('%s: same verdict, same errors', (_name, doc) => {
    const runtime = functionValidator();
    const built = generated.functionValidator() as ((data: unknown) => boolean) & {errors?: unknown};
    expect(built(doc)).toBe(runtime(doc));
    expect(built.errors ?? null).toEqual(runtime.errors ?? null);
  });
});
