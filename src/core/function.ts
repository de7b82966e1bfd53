// fn.yaml: the function's configuration. Parsed with `yaml` (keeping node positions) and validated
// against a JSON schema; every error names the file, line:column, the field and what is accepted.
import {join} from 'node:path';
import type {ErrorObject} from 'ajv';
import {closest} from 'fastest-levenshtein';
import {stringify} from 'yaml';
import {FnError} from './errors.js';
import type {Schedule, Subscription} from './eventing.js';
import {functionSchema, type RUNTIMES, type TEMPLATES, type ROUTING_MODES, type SCALE_METRICS} from './function-schema.js';
import {functionProblems, problemError} from './function-checks.js';
import {functionValidator} from './function-validator.js';
import {parseFnYaml, positionOf, readFnYaml} from './fn-yaml.js';

export const FUNCTION_FILE = 'fn.yaml';

export type Runtime = (typeof RUNTIMES)[number];
export type Template = (typeof TEMPLATES)[number];
export type RoutingMode = (typeof ROUTING_MODES)[number];

export interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
export interface EnvVar {
  name: string;
  value?: string;
  secretKeyRef?: KeyRef;
  configMapKeyRef?: KeyRef;
}
export interface EnvFrom {
  secretRef?: string;
  configMapRef?: string;
}
export interface ResourceList {
  cpu?: string | number;
  memory?: string | number;
  'ephemeral-storage'?: string | number;
}

export interface FunctionConfig {
  specVersion?: 1;
  name: string;
  runtime: Runtime;
  template?: Template;
  image?: string;
  registry?: string;
  namespace?: string;
  build?: {
    baseImage?: string;
    builderImage?: string;
    buildArgs?: Record<string, string>;
    dockerfile?: string;
    platform?: string;
  };
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  scale?: {
    min?: number;
    max?: number;
    initial?: number;
    target?: number;
    metric?: (typeof SCALE_METRICS)[number];
    concurrency?: number;
  };
  timeout?: number;
  resources?: {requests?: ResourceList; limits?: ResourceList};
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deploy?: {routing?: RoutingMode};
  subscriptions?: Subscription[];
  schedules?: Schedule[];
}

/** The schema node at an ajv schemaPath such as `#/properties/env/items/additionalProperties`. */
function schemaAt(schemaPath: string): any {
  let node: any = functionSchema;
  for (const part of schemaPath.replace(/^#/, '').split('/').filter(Boolean)) node = node?.[part];
  return node;
}

function fieldName(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function describe(e: ErrorObject): {field: string; message: string; path: string[]; onKey: boolean} {
  const path = e.instancePath.split('/').filter(Boolean);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as {additionalProperty: string}).additionalProperty;
      const allowed = Object.keys(schemaAt(e.schemaPath.replace(/\/additionalProperties$/, ''))?.properties ?? {});
      const guess = allowed.length ? closest(key, allowed) : undefined;
      const hint = guess ? ` Did you mean "${guess}"?` : '';
      return {
        field: fieldName(e.instancePath, key),
        message: `unknown key "${key}".${hint} Accepted keys: ${allowed.join(', ')}`,
        path: [...path, key],
        onKey: true,
      };
    }
    case 'enum':
      return {
        field: fieldName(e.instancePath),
        message: `must be one of: ${(e.params as {allowedValues: unknown[]}).allowedValues.join(', ')}`,
        path,
        onKey: false,
      };
    case 'required': {
      const missing = (e.params as {missingProperty: string}).missingProperty;
      return {field: fieldName(e.instancePath, missing), message: 'is required', path, onKey: false};
    }
    case 'pattern':
      return {field: fieldName(e.instancePath), message: `must match ${(e.params as {pattern: string}).pattern}`, path, onKey: false};
    default:
      return {field: fieldName(e.instancePath), message: e.message ?? 'is invalid', path, onKey: false};
  }
}

/** Parse and validate fn.yaml text. Pure: `file` is used only in messages. */
export function parseFunction(text: string, file = FUNCTION_FILE): FunctionConfig {
  const parsed = parseFnYaml(text, file);
  const {data} = parsed;
  const validate = functionValidator();
  if (!validate(data)) {
    // Most specific first: an unknown key beats the generic "must be object" of its parent.
    const errors = [...(validate.errors ?? [])].sort((a, b) => b.instancePath.length - a.instancePath.length);
    const first = describe(errors.find((e) => e.keyword === 'additionalProperties') ?? errors[0]);
    const pos = positionOf(parsed, first.path, first.onKey);
    throw new FnError('INVALID_FN_YAML', 'usage', `${file}:${pos.line}:${pos.col}: ${first.field || '(document)'} ${first.message}`, {
      suggestion: `edit ${file} and run the command again`,
      details: {file, line: pos.line, column: pos.col, field: first.field, errors: errors.map((e) => describe(e).field + ' ' + describe(e).message)},
    });
  }
  const config = data as FunctionConfig;
  const problems = functionProblems(config);
  if (problems.length) {
    const [first] = problems;
    const pos = positionOf(parsed, first.path, first.onKey ?? false);
    throw problemError(first, `${file}:${pos.line}:${pos.col}`, file, {file, line: pos.line, column: pos.col, errors: problems.map((p) => `${p.field} ${p.message}`)});
  }
  return config;
}

export function functionPath(dir: string): string {
  return join(dir, FUNCTION_FILE);
}

/** fn.yaml's path and text in `dir`; no fn.yaml there is NO_FUNCTION (exit 8). */
export async function readFunctionText(dir: string): Promise<{file: string; text: string}> {
  const file = functionPath(dir);
  try {
    return {file, text: await readFnYaml(file)};
  } catch (e: any) {
    if (e?.code === 'ENOENT') {
      throw new FnError('NO_FUNCTION', 'notFound', `no ${FUNCTION_FILE} in ${dir}`, {
        suggestion: 'run `fn init` to create a function here, or pass --path to a function folder',
      });
    }
    throw e;
  }
}

export async function loadFunction(dir: string): Promise<FunctionConfig> {
  const {file, text} = await readFunctionText(dir);
  return parseFunction(text, file);
}

export function stringifyFunction(config: FunctionConfig): string {
  return stringify(config, {lineWidth: 0});
}
