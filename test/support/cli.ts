// Run the built CLI (bin/run.js → dist/) as a user would: a real process, real folders.
import {execa, type Options} from 'execa';
import {fileURLToPath} from 'node:url';

export const fnBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface FnResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `fn ARGS` non-interactively (CI=true, no stdin) and never throws on a non-zero exit. */
export async function runFn(args: string[], options: Options = {}): Promise<FnResult> {
  const result = await execa('node', [fnBin, ...args], {reject: false, stdin: 'ignore', ...options, env: {CI: 'true', ...options.env}});
  return {exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr)};
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
