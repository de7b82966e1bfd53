// Run the built CLI (bin/run.js → dist/) as a user would: a real process, real folders.
import {execa, type Options} from 'execa';
import {fileURLToPath} from 'node:url';
import {checkDocumentedResult} from './result-schemas.js';

export const fnBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface FnResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `fn ARGS` non-interactively (CI=true, no stdin); never throws on a non-zero exit, only on a --json result that breaks its schema. */
export async function runFn(args: string[], options: Options = {}): Promise<FnResult> {
  const result = await execa('node', [fnBin, ...args], {reject: false, stdin: 'ignore', ...options, env: {CI: 'true', ...options.env}});
  const out = {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)};
  // Every --json deploy, rollout and error the suites see is checked against its documented schema.
  checkDocumentedResult(args, out.exitCode, out.stdout);
  return out;
}

/** Runs `fn ARGS --json` and parses stdout. */
export async function runFnJson<T = any>(args: string[], options: Options = {}): Promise<FnResult & {json: T}> {
  const result = await runFn([...args, '--json'], options);
  let json: T;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new Error(`fn ${args.join(' ')} --json printed no JSON (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  }
  return {...result, json};
}

/**
 * The exit code a process ended with; when it is not `code`, the failure shows what the process printed
 * (a bare "expected 0, received 11" from a cluster test says nothing about why).
 */
export function expectExit(result: {exitCode?: number | null; stdout?: unknown; stderr?: unknown}, code: number): void {
  if (result.exitCode === code) return;
  const printed = [result.stdout ? `stdout:\n${String(result.stdout).slice(-4000)}` : '', result.stderr ? `stderr:\n${String(result.stderr).slice(-4000)}` : ''].filter(Boolean).join('\n');
  throw new Error(`expected exit ${code}, got ${result.exitCode}${printed ? `\n${printed}` : ''}`);
}
