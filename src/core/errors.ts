// One error type for everything fn reports to a user: a stable code for scripts, an exit code per
// failure class, a message naming the bad value, and one next step.

export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  conflict: 3,
  dockerUnavailable: 4,
  buildFailed: 5,
  registry: 6,
  clusterUnreachable: 7,
  notFound: 8,
  forbidden: 9,
  rejected: 10,
  notReady: 11,
  timeout: 12,
  rolledBack: 13,
  noIngress: 14,
  interrupted: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

/** What each exit code means: the README's table (test/unit/readme.test.ts holds them together). */
export const exitCodeMeanings: Record<ExitCodeName, string> = {
  ok: 'success',
  unexpected: 'unexpected error (a bug: please report it)',
  usage: 'unknown command, bad flag, argument or fn.yaml value',
  conflict: 'would overwrite files or fields owned by someone else (use --force)',
  dockerUnavailable: 'no Docker (or Podman) engine reachable',
  buildFailed: 'image build failed',
  registry: 'registry unreachable, credentials refused, or push failed',
  clusterUnreachable: 'Kubernetes cluster unreachable or kubeconfig invalid',
  notFound: 'function, service, revision, tag, namespace or broker not found (or Knative Eventing not installed)',
  forbidden: 'the cluster refused the request (RBAC)',
  rejected: 'the cluster rejected the object (admission webhook / validation)',
  notReady: 'the revision or route failed to become ready',
  timeout: 'not ready within --timeout',
  rolledBack: 'a rollout gate failed and traffic was rolled back',
  noIngress: 'a deployed function\'s host does not resolve and no ingress address is known (set --ingress or FN_INGRESS)',
  interrupted: 'interrupted (Ctrl-C)',
};

export interface FnErrorOptions {
  suggestion?: string;
  cause?: unknown;
  /** Extra structured data for --json output (never secrets). */
  details?: Record<string, unknown>;
}

export class FnError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly suggestion?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, exit: ExitCodeName, message: string, options: FnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'FnError';
    this.code = code;
    this.exitCode = ExitCode[exit];
    this.suggestion = options.suggestion;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      exitCode: this.exitCode,
      message: this.message,
      ...(this.suggestion ? {suggestion: this.suggestion} : {}),
      ...(this.details ? {details: this.details} : {}),
    };
  }
}

export function isFnError(e: unknown): e is FnError {
  return e instanceof FnError;
}

/** Wrap anything thrown into an FnError, keeping FnErrors as they are. */
export function toFnError(e: unknown): FnError {
  if (isFnError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new FnError('UNEXPECTED', 'unexpected', message, {cause: e});
}

/** The code of the error a guarded write fails with when the object changed since it was read. */
export const STALE_OBJECT = 'STALE_OBJECT';

/** The one "no such function" error, whichever command or layer notices it. */
export function functionNotFound(ref: {name: string; namespace: string}): FnError {
  return new FnError('FUNCTION_NOT_FOUND', 'notFound', `no function "${ref.name}" in namespace "${ref.namespace}"`, {
    suggestion: `fn list -n ${ref.namespace} shows what is deployed there (or deploy it: fn deploy)`,
    details: {name: ref.name, namespace: ref.namespace},
  });
}

/** The one "no such namespace" error (the API's 404 for a namespace, or a check of an empty list). */
export function namespaceNotFound(namespace: string, options: {cause?: unknown; details?: Record<string, unknown>} = {}): FnError {
  return new FnError('NAMESPACE_NOT_FOUND', 'notFound', `namespace "${namespace}" does not exist`, {
    ...(options.cause === undefined ? {} : {cause: options.cause}),
    suggestion: `create it (kubectl create namespace ${namespace}) or pick another with --namespace`,
    details: {namespace, ...options.details},
  });
}
