// runtimes/<runtime>/runtime.yaml: how fn runs a function of that runtime on the host.
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

export interface RuntimeSpec {
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
  return spec;
}

export function expandCommand(spec: RuntimeSpec, values: {runtimeDir: string; functionDir: string}): string[] {
  return spec.run.command.map((part) => part.replaceAll('{runtimeDir}', values.runtimeDir).replaceAll('{functionDir}', values.functionDir));
}
