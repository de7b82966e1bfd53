// runtimes/<runtime>/runtime.yaml: how fn runs a function of that runtime on the host.
//   prepare:                                        # optional steps run first, in order, in the function
//     - command: [node, "{runtimeDir}/prepare.mjs"] # folder (install dependencies, compile, make a venv);
//       description: Installing dependencies        # each must be quick when there is nothing to do
//       timeoutSeconds: 600                         # optional (default 600)
//   run:
//     command: [node, "{runtimeDir}/invoker.mjs"]   # argv; {runtimeDir} and {functionDir} are replaced
//     env: {SOME: value}                            # optional extra environment
//     readyTimeoutSeconds: 60                       # optional; compile-first runtimes need longer
// fn always sets PORT, FN_FUNCTION_DIR (the function folder) and FN_TEMPLATE (http | cloudevents),
// and runs the command with the function folder as working directory.
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {parse} from 'yaml';
import {FnError} from './errors.js';

export interface PrepareStep {
  command: string[];
  description?: string;
  env?: Record<string, string>;
  timeoutSeconds?: number;
}

export interface RuntimeSpec {
  prepare?: PrepareStep[];
  run: {command: string[]; env?: Record<string, string>; readyTimeoutSeconds?: number};
}

export async function loadRuntimeSpec(runtimesDir: string, runtime: string): Promise<RuntimeSpec> {
  const file = join(runtimesDir, runtime, 'runtime.yaml');
  let spec: RuntimeSpec;
  try {
    spec = parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new FnError('RUNTIME_NOT_FOUND', 'usage', `runtime "${runtime}" has no usable ${file}`, {cause: e, suggestion: 'see `fn templates` for the runtimes fn knows'});
  }
  if (!Array.isArray(spec?.run?.command) || spec.run.command.length === 0) {
    throw new FnError('RUNTIME_INVALID', 'unexpected', `${file}: run.command must be a non-empty list`);
  }
  if (spec.prepare !== undefined && (!Array.isArray(spec.prepare) || spec.prepare.some((step) => !Array.isArray(step?.command) || step.command.length === 0))) {
    throw new FnError('RUNTIME_INVALID', 'unexpected', `${file}: prepare must be a list of steps, each with a non-empty command list`);
  }
  return spec;
}

/** Replaces {runtimeDir} and {functionDir} in one string (commands and env values may use them). */
export function expandPlaceholders(text: string, values: {runtimeDir: string; functionDir: string}): string {
  return text.replaceAll('{runtimeDir}', values.runtimeDir).replaceAll('{functionDir}', values.functionDir);
}

export function expandCommand(spec: RuntimeSpec, values: {runtimeDir: string; functionDir: string}): string[] {
  return spec.run.command.map((part) => part.replaceAll('{runtimeDir}', values.runtimeDir).replaceAll('{functionDir}', values.functionDir));
}
