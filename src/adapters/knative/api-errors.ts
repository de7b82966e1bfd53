// API errors → FnErrors with their own exit codes and the server's words (RBAC, webhooks, conflicts).
import {FnError, isFnError, namespaceNotFound, STALE_OBJECT} from '../../core/errors.js';
import {KubeApiError, MAX_RETRY_DELAY_MS} from './kube-api-error.js';

export interface Attempt {
  /** Kubernetes verb: get, list, watch, patch, delete. */
  verb: string;
  /** Plural resource with its group, e.g. services.serving.knative.dev */
  resource: string;
  namespace?: string;
  name?: string;
  context: string;
}

/** Field managers named in a server-side apply conflict: `conflict with "kubectl-edit" using v1: .spec.x` */
export function conflictManagers(message: string): string[] {
  return [...new Set([...message.matchAll(/conflicts? with "([^"]+)"/g)].map((m) => m[1]))];
}

export function apiErrorToFnError(error: unknown, attempt: Attempt): FnError {
  if (isFnError(error)) return error;
  if (!(error instanceof KubeApiError)) {
    return new FnError('UNEXPECTED', 'unexpected', (error as Error)?.message ?? String(error), {cause: error});
  }
  const {statusCode, status} = error;
  const message = status.message || `HTTP ${statusCode}`;
  const where = attempt.namespace ? ` in namespace "${attempt.namespace}"` : '';
  const details = {status: statusCode, reason: status.reason, resource: attempt.resource, namespace: attempt.namespace, name: attempt.name};

  if (statusCode === 401) {
    return new FnError('UNAUTHORIZED', 'forbidden', `the cluster did not accept the credentials of context "${attempt.context}" (401 Unauthorized)`, {
      cause: error,
      suggestion: 'log in again or refresh the token in your kubeconfig, then retry',
      details,
    });
  }
  if (statusCode === 403) {
    return new FnError('FORBIDDEN', 'forbidden', message, {
      cause: error,
      suggestion: `ask a cluster admin for a Role allowing "${attempt.verb}" on ${attempt.resource}${where} (check: kubectl auth can-i ${attempt.verb} ${attempt.resource}${attempt.namespace ? ` -n ${attempt.namespace}` : ''})`,
      details,
    });
  }
  if (statusCode === 404) {
    if (status.details?.kind === 'namespaces') {
      return namespaceNotFound(status.details.name ?? attempt.namespace ?? '', {cause: error, details});
    }
    if (!status.details?.name) {
      return new FnError('KNATIVE_NOT_INSTALLED', 'notFound', `the cluster has no ${attempt.resource} API: Knative Serving is not installed (context "${attempt.context}")`, {
        cause: error,
        suggestion: 'install Knative Serving in this cluster, or pick another with --context',
        details,
      });
    }
    return new FnError('NOT_FOUND', 'notFound', message, {cause: error, details});
  }
  if (statusCode === 409) {
    const managers = conflictManagers(message);
    if (managers.length) {
      return new FnError('FIELD_CONFLICT', 'conflict', `fields fn would set are owned by ${managers.map((m) => `"${m}"`).join(', ')}: ${message}`, {
        cause: error,
        suggestion: `if fn should own them from now on, run again with --force (they were last set by ${managers.join(', ')})`,
        details: {...details, managers},
      });
    }
    return new FnError(STALE_OBJECT, 'conflict', `${attempt.name ?? 'the object'} changed while fn was updating it: ${message}`, {
      cause: error,
      suggestion: 'run the command again',
      details,
    });
  }
  // Whatever the status code: a webhook that did not answer is not a verdict on the object.
  if (/failed calling webhook/i.test(message)) {
    return new FnError('WEBHOOK_UNAVAILABLE', 'clusterUnreachable', `Knative's admission webhook did not answer: ${message}`, {
      cause: error,
      suggestion: 'check the webhook pods in the knative-serving namespace, then retry',
      details,
    });
  }
  if (/admission webhook/i.test(message) || statusCode === 422 || statusCode === 400) {
    const knative = message.replace(/^.*denied the request: /s, '');
    return new FnError('REJECTED', 'rejected', `the cluster rejected ${attempt.name ?? attempt.resource}: ${knative}`, {
      cause: error,
      suggestion: 'fix the value it names (in fn.yaml or the flags) and run the command again',
      details: {...details, message},
    });
  }
  // What fn already did about it: sent again (kube-http.ts), or not, because the server asked for longer than fn waits.
  const tried = `${error.attempts > 1 ? ` after ${error.attempts} attempts` : ''}${error.retryAfterMs !== undefined ? `; it asked to retry after ${Math.round(error.retryAfterMs / 1000)}s, more than the ${MAX_RETRY_DELAY_MS / 1000}s of retrying a call may take` : ''}`;
  const retryDetails = {...details, attempts: error.attempts, ...(error.retryAfterMs !== undefined ? {retryAfterSeconds: Math.round(error.retryAfterMs / 1000)} : {})};
  if (statusCode === 429) {
    return new FnError('API_OVERLOADED', 'clusterUnreachable', `the API server is overloaded: ${attempt.verb} ${attempt.resource}${where} was answered 429 Too Many Requests${tried} (${message})`, {
      cause: error,
      suggestion: `retry in a minute; if it persists, ask a cluster admin about the API server's load and priority-and-fairness limits (context "${attempt.context}")`,
      details: retryDetails,
    });
  }
  return new FnError('API_ERROR', statusCode >= 500 ? 'clusterUnreachable' : 'unexpected', `${attempt.verb} ${attempt.resource}${where}: ${message}${statusCode >= 500 ? ` (HTTP ${statusCode}${tried})` : ''}`, {
    cause: error,
    suggestion: statusCode >= 500 ? 'the API server had an error: retry, and check its health if it persists' : undefined,
    details: retryDetails,
  });
}
