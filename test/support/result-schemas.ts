// fn's documented --json results (schemas/*.schema.json), checked against what fn really prints: runFn
// validates every deploy and rollout success and every --json error the suites see.
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {Ajv, type ValidateFunction} from 'ajv';
import addFormats from 'ajv-formats';

const DIR = join(process.cwd(), 'schemas');
let ajv: Ajv | undefined;

function validator(name: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({allErrors: true, strict: true});
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    for (const file of readdirSync(DIR)) ajv.addSchema(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
  }
  const v = ajv.getSchema(`https://fn.dev/schemas/${name}.schema.json`);
  if (!v) throw new Error(`no schema ${name} in ${DIR}`);
  return v;
}

/** Throws with ajv's findings when `value` does not match schemas/<name>.schema.json. */
export function assertMatchesSchema(name: 'deploy-result' | 'rollout-result' | 'error', value: unknown, what: string): void {
  const validate = validator(name);
  if (!validate(value)) {
    throw new Error(`${what} does not match schemas/${name}.schema.json: ${ajv!.errorsText(validate.errors)}\n${JSON.stringify(value, null, 2).slice(0, 4000)}`);
  }
}

/** The JSON documents of --json output: one document, or one per line (fn rollout). */
export function jsonDocuments(stdout: string): unknown[] {
  const text = stdout.trim();
  if (!text) return [];
  try {
    return [JSON.parse(text)];
  } catch {
    return text.split('\n').filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
  }
}

const SUBCOMMANDS = new Set(['status', 'abort', 'promote', 'resume']);

/** Checks what `fn ARGS --json` printed against the schema its command documents, if it documents one. */
export function checkDocumentedResult(args: string[], exitCode: number, stdout: string): void {
  if (!args.includes('--json')) return;
  let docs: unknown[];
  try {
    docs = jsonDocuments(stdout);
  } catch {
    return; // not JSON at all: the test that asked for it says so
  }
  const last = docs.at(-1) as Record<string, unknown> | undefined;
  if (!last) return;
  const what = `fn ${args.join(' ')} (exit ${exitCode})`;
  if (exitCode !== 0) {
    if ('error' in last) assertMatchesSchema('error', last, what);
    return;
  }
  if (args[0] === 'deploy') assertMatchesSchema('deploy-result', last, what);
  if (args[0] === 'rollout' && !SUBCOMMANDS.has(args[1] ?? '')) assertMatchesSchema('rollout-result', last, what);
}
