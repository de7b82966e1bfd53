// Which deployed function a command means: a name (argument or --name) or fn.yaml's; a namespace from
// --namespace, else fn.yaml's (when it is the same function), else the kubeconfig context's. Pure.
import {FnError} from './errors.js';
import type {FunctionConfig, RoutingMode} from './function.js';
import {validateFunctionName} from './names.js';
import type {FunctionRef} from './ports.js';

export interface TargetInput {
  /** From the argument or --name. */
  name?: string;
  /** fn.yaml of --path, when there is one. */
  config?: FunctionConfig;
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
