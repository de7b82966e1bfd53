// Flags and plumbing shared by the commands that talk to Knative: which cluster (--context), which
// namespace, which function (argument / --name, else fn.yaml of --path), and how long to wait.
import {Flags} from '@oclif/core';
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {readFnYaml} from '../core/fn-yaml.js';
import {ROUTING_MODES} from '../core/function-schema.js';
import {parseFunctionIdentity, resolveFunctionRef, type FunctionIdentity} from '../core/function-target.js';
import {validateNamespace} from '../core/names.js';
import type {FunctionRef, Knative} from '../core/ports.js';
import {knative} from '../factory.js';
import {durationFlag} from './flags.js';

/** --namespace, checked as it is parsed (the rule is names.ts's), so a bad one never reaches a cluster or a file. */
export function namespaceFlag(description: string) {
  return Flags.string({char: 'n', description, parse: async (value) => validateNamespace(value, '--namespace')});
}

export const clusterFlags = {
  namespace: namespaceFlag('namespace (default: fn.yaml namespace, else the kubeconfig context\'s, else "default")'),
  context: Flags.string({description: 'kubeconfig context (default: the current context)'}),
};

export const routingFlag = Flags.string({
  description: 'how the function is deployed: one Knative Service, or a Configuration plus a standalone Route (default: fn.yaml deploy.routing, else service)',
  options: [...ROUTING_MODES],
});

export const waitFlags = {
  timeout: durationFlag({description: 'how long to wait for Knative, e.g. 90s, 5m, 1m30s', default: 300_000}),
  'no-wait': Flags.boolean({description: 'return once the cluster accepted the change, without waiting for Knative'}),
};

/** The wait's bound in whole seconds (what the Kubernetes watch API takes), at least 1. */
export function waitSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000));
}

/** Name, namespace and routing from fn.yaml of `path`, if there is one. */
export async function optionalFunction(path: string): Promise<FunctionIdentity | undefined> {
  // Not function.ts: it loads the schema validator, which these commands do not need.
  const file = join(resolve(path), 'fn.yaml');
  return existsSync(file) ? parseFunctionIdentity(await readFnYaml(file), file) : undefined;
}

export interface Connected {
  knative: Knative;
  ref: FunctionRef;
  config?: FunctionIdentity;
  context: string;
}

/** Resolve the function a command is about, and connect to its cluster (no request made yet). */
export async function connectToFunction(flags: {path?: string; namespace?: string; context?: string; routing?: string}, name: string | undefined): Promise<Connected> {
  const config = await optionalFunction(flags.path ?? '.');
  const input = {name, config, namespace: flags.namespace, routing: flags.routing as FunctionRef['routing']};
  resolveFunctionRef(input, 'default'); // name errors before any kubeconfig is read
  const connection = await knative({context: flags.context});
  const ref = resolveFunctionRef(input, connection.defaultNamespace);
  return {knative: connection.knative, ref, config, context: connection.context};
}

/** Relative time like kubectl: 45s, 12m, 3h, 5d. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  if (!timestamp) return '';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
