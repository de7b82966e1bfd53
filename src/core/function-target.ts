// Which deployed function a command means: a name (argument or --name) or fn.yaml's; a namespace from
// --namespace, else fn.yaml's (when it is the same function), else the kubeconfig context's. Pure.
import {FnError} from './errors.js';
import type {FunctionConfig, RoutingMode} from './function.js';
import {ROUTING_MODES} from './function-schema.js';
import {identityProblems, problemError} from './function-checks.js';
import {parseFnYaml, positionOf} from './fn-yaml.js';
import {validateFunctionName} from './names.js';
import type {FunctionRef} from './ports.js';

/** What commands that only find a deployed function need from fn.yaml. */
export type FunctionIdentity = Pick<FunctionConfig, 'name' | 'namespace' | 'deploy'>;

/**
 * Only name, namespace and deploy.routing of fn.yaml, checked: `fn revisions`, `fn traffic` and the
 * like skip the full schema validation (compiling it is a third of their start-up); deploy does it.
 */
export function parseFunctionIdentity(text: string, file: string): FunctionIdentity {
  const parsed = parseFnYaml(text, file);
  const data = parsed.data as any;
  const invalid = (field: string, accepted: string) =>
    new FnError('INVALID_FN_YAML', 'usage', `${file}: ${field} ${accepted}`, {suggestion: `edit ${file} and run the command again`, details: {file, field}});
  if (typeof data.name !== 'string') throw invalid('name', 'is required (a string)');
  if (data.namespace !== undefined && typeof data.namespace !== 'string') throw invalid('namespace', 'must be a string');
  const [problem] = identityProblems(data);
  if (problem) {
    const {line, col} = positionOf(parsed, problem.path, false);
    throw problemError(problem, `${file}:${line}:${col}`, file, {file, line, column: col});
  }
  const routing = data.deploy?.routing;
  if (routing !== undefined && !(ROUTING_MODES as readonly unknown[]).includes(routing)) throw invalid('deploy.routing', `must be one of: ${ROUTING_MODES.join(', ')}`);
  return {name: data.name, ...(data.namespace ? {namespace: data.namespace} : {}), ...(routing ? {deploy: {routing}} : {})};
}

export interface TargetInput {
  /** From the argument or --name. */
  name?: string;
  /** fn.yaml of --path, when there is one. */
  config?: FunctionIdentity;
  namespace?: string;
  routing?: RoutingMode;
}

export function resolveFunctionRef(input: TargetInput, kubeNamespace: string): FunctionRef {
  const name = input.name ?? input.config?.name;
  if (!name) {
    throw new FnError('NO_FUNCTION_NAME', 'usage', 'which function? No name was given and there is no fn.yaml here', {
      suggestion: 'pass the name (e.g. fn describe hello), or run in a function folder / pass --path DIR',
    });
  }
  validateFunctionName(name);
  // fn.yaml's namespace and routing count only when it describes this function.
  const own = input.config?.name === name ? input.config : undefined;
  const routing = input.routing ?? own?.deploy?.routing;
  return {name, namespace: input.namespace ?? own?.namespace ?? kubeNamespace, ...(routing ? {routing} : {})};
}
