// fn.yaml's schema check. Compiling the schema with ajv costs 50–80 ms (code generation and
// `new Function`), on every command that reads fn.yaml; so the bundle fn runs (scripts/bundle.mjs)
// replaces this module with the same validator generated at build time (ajv standalone code, from
// this schema and these options). Here, for the tests that import src/, it is compiled when first used.
import {Ajv, type Options, type ValidateFunction} from 'ajv';
import {functionSchema} from './function-schema.js';

export const AJV_OPTIONS: Options = {allErrors: true, strict: false};

let compiled: ValidateFunction | undefined;
export function functionValidator(): ValidateFunction {
  compiled ??= new Ajv(AJV_OPTIONS).compile(functionSchema);
  return compiled;
}
