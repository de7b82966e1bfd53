// What fn.yaml's JSON schema cannot say and the Kubernetes API would refuse: duplicate or reserved env
// names, one value source per env entry, resource quantities and requests above limits, label and
// annotation keys and values, scale bounds, the namespace. Run on every load of fn.yaml (with the
// position of the field) and again by buildManifests, so `fn build`, `fn manifests` and `fn deploy`
// refuse the same inputs before anything is built or sent.
import {FnError} from './errors.js';
import type {FunctionConfig} from './function.js';
import {labelValueProblem, qualifiedNameProblem, validateFunctionName, validateNamespace} from './names.js';
import {scheduleProblems, subscriptionProblems} from './event-checks.js';
import {compareQuantities, parseQuantity, QUANTITY_FORMAT} from './quantity.js';

/** Env names Knative sets itself and refuses in a template. */
export const RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'];
/** The API server's cap on all of an object's annotations together (keys and values). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export interface ConfigProblem {
  code: string;
  /** Where in fn.yaml: ['env', '1', 'name']. */
  path: string[];
  /** The same for people: env[1].name, labels["a b"]. */
  field: string;
  /** Follows the field: `env[1].name "A" is already set by env[0]`. */
  message: string;
  suggestion: string;
  /** The problem is the key at `path` (its position), not the value. */
  onKey?: boolean;
  /** A valid replacement value, when there is an obvious one. */
  fix?: string;
}

export function fieldOf(path: readonly string[]): string {
  return path.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : !acc ? p : /^[A-Za-z_][\w-]*$/.test(p) ? `${acc}.${p}` : `${acc}[${JSON.stringify(p)}]`), '');
}

function problem(code: string, path: string[], message: string, suggestion: string, extra: Partial<ConfigProblem> = {}): ConfigProblem {
  return {code, path, field: fieldOf(path), message, suggestion, ...extra};
}

/** A name rule of names.ts (it throws) as a problem at `path`. */
function ruleProblem(path: string[], check: (field: string) => unknown): ConfigProblem[] {
  try {
    check('');
    return [];
  } catch (e) {
    const error = e as FnError;
    const fix = (error.details as {fix?: string} | undefined)?.fix;
    return [problem(error.code, path, error.message.trimStart(), error.suggestion ?? '', fix ? {fix} : {})];
  }
}

function envProblems(config: FunctionConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const firstIndex = new Map<string, number>();
  (config.env ?? []).forEach((e, i) => {
    const at = ['env', String(i)];
    if (RESERVED_ENV.includes(e.name)) {
      out.push(problem('RESERVED_ENV', [...at, 'name'], `"${e.name}" is reserved: Knative sets ${RESERVED_ENV.join(', ')} itself`, `rename env[${i}] in fn.yaml`));
    }
    const first = firstIndex.get(e.name);
    if (first !== undefined) {
      out.push(problem('DUPLICATE_ENV', [...at, 'name'], `"${e.name}" is already set by env[${first}]: each name may appear once`, `remove env[${i}] or env[${first}] from fn.yaml (or rename one)`));
    } else firstIndex.set(e.name, i);
    const sources = [e.value !== undefined, Boolean(e.secretKeyRef), Boolean(e.configMapKeyRef)].filter(Boolean).length;
    if (sources > 1) {
      out.push(problem('INVALID_ENV', at, `(${e.name}) sets more than one of value, secretKeyRef, configMapKeyRef`, `keep one of them for env[${i}] in fn.yaml`));
    }
  });
  (config.envFrom ?? []).forEach((e, i) => {
    if (Boolean(e.secretRef) === Boolean(e.configMapRef)) {
      out.push(problem('INVALID_ENV_FROM', ['envFrom', String(i)], 'must set exactly one of secretRef, configMapRef', 'e.g. envFrom: [{secretRef: my-secret}]'));
    }
  });
  return out;
}

function scaleProblems(config: FunctionConfig): ConfigProblem[] {
  const s = config.scale ?? {};
  if (s.min !== undefined && s.max !== undefined && s.max > 0 && s.min > s.max) {
    return [problem('INVALID_SCALE', ['scale', 'min'], `(${s.min}) is greater than scale.max (${s.max})`, 'set scale.min ≤ scale.max in fn.yaml (scale.max 0 means no limit)')];
  }
  return [];
}

function resourceProblems(config: FunctionConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const parsed: Record<'requests' | 'limits', Record<string, ReturnType<typeof parseQuantity>>> = {requests: {}, limits: {}};
  for (const kind of ['requests', 'limits'] as const) {
    for (const [resource, value] of Object.entries(config.resources?.[kind] ?? {})) {
      if (value === undefined) continue;
      const path = ['resources', kind, resource];
      const quantity = parseQuantity(value);
      if (!quantity) out.push(problem('INVALID_QUANTITY', path, `"${value}" is not a Kubernetes quantity: ${QUANTITY_FORMAT}`, `e.g. ${resource === 'cpu' ? 'cpu: 250m' : `${resource}: 256Mi`} in fn.yaml`));
      else if (quantity.negative && quantity.digits !== 0n) out.push(problem('INVALID_QUANTITY', path, `"${value}" is negative`, `use a quantity ≥ 0 for ${fieldOf(path)} in fn.yaml`));
      else parsed[kind][resource] = quantity;
    }
  }
  for (const [resource, request] of Object.entries(parsed.requests)) {
    const limit = parsed.limits[resource];
    if (request && limit && compareQuantities(request, limit) > 0) {
      const [r, l] = [config.resources?.requests?.[resource as 'cpu'], config.resources?.limits?.[resource as 'cpu']];
      out.push(
        problem('REQUEST_ABOVE_LIMIT', ['resources', 'requests', resource], `(${r}) is above resources.limits.${resource} (${l}): Kubernetes refuses such a pod`, `lower resources.requests.${resource} or raise resources.limits.${resource} in fn.yaml`),
      );
    }
  }
  return out;
}

function metadataProblems(config: FunctionConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(config.labels ?? {})) {
    const keyProblem = qualifiedNameProblem(key);
    if (keyProblem) out.push(problem('INVALID_LABEL', ['labels', key], `key "${key}" ${keyProblem}`, 'e.g. labels: {team: web, app.example.com/tier: backend}', {onKey: true}));
    const valueProblem = labelValueProblem(value);
    if (valueProblem) out.push(problem('INVALID_LABEL', ['labels', key], `value "${value}" ${valueProblem}`, `put free text in annotations instead of labels in fn.yaml`));
  }
  let bytes = 0;
  for (const [key, value] of Object.entries(config.annotations ?? {})) {
    // The API server checks annotation keys lowercased: a prefix like Example.com/ is accepted.
    const keyProblem = qualifiedNameProblem(key.toLowerCase());
    if (keyProblem) out.push(problem('INVALID_ANNOTATION', ['annotations', key], `key "${key}" ${keyProblem}`, 'e.g. annotations: {owner: ada, example.com/ticket: OPS-1}', {onKey: true}));
    bytes += key.length + value.length;
  }
  if (bytes > MAX_ANNOTATIONS_BYTES) {
    out.push(problem('INVALID_ANNOTATION', ['annotations'], `hold ${bytes} bytes; Kubernetes allows at most ${MAX_ANNOTATIONS_BYTES} (256 KiB) of annotations per object`, 'move large values out of annotations (e.g. into a ConfigMap)'));
  }
  return out;
}

/** The name and namespace: all that the cluster commands read of fn.yaml (function-target.ts). */
export function identityProblems(config: Pick<FunctionConfig, 'name' | 'namespace'>): ConfigProblem[] {
  return [
    ...ruleProblem(['name'], (field) => validateFunctionName(config.name, field)),
    ...(config.namespace === undefined ? [] : ruleProblem(['namespace'], (field) => validateNamespace(config.namespace as string, field))),
  ];
}

/** Everything wrong with a config that passed the schema, in file order of the checks. */
export function functionProblems(config: FunctionConfig): ConfigProblem[] {
  return [
    ...identityProblems(config),
    ...envProblems(config),
    ...scaleProblems(config),
    ...resourceProblems(config),
    ...metadataProblems(config),
    ...[...subscriptionProblems(config.name, config.subscriptions), ...scheduleProblems(config.name, config.schedules)].map((p) => ({...p, field: fieldOf(p.path)})),
  ];
}

/** The first problem as an FnError (exit 2) naming the field; `where` prefixes the message (file:line:col). */
export function problemError(p: ConfigProblem, where?: string, file = 'fn.yaml', details: Record<string, unknown> = {}): FnError {
  return new FnError(p.code, 'usage', `${where ? `${where}: ` : ''}${p.field} ${p.message}`, {
    suggestion: p.fix ? `set "${p.field}: ${p.fix}" in ${file}` : p.suggestion,
    details: {field: p.field, ...details},
  });
}

/** Throws the first problem of `config`: for configs that did not come through parseFunction. */
export function assertValidFunction(config: FunctionConfig): void {
  const [first] = functionProblems(config);
  if (first) throw problemError(first);
}
