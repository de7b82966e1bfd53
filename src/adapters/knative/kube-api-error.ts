// An HTTP error from the Kubernetes API, with the Status object the server sent (kept apart from
// kube-http.ts so that error mapping can be loaded and tested without the Kubernetes client).

/** A Kubernetes Status returned with an error. */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {name?: string; group?: string; kind?: string; retryAfterSeconds?: number; causes?: {reason?: string; message?: string; field?: string}[]};
}

/** What fn waits between the attempts of one call, in all (kube-http.ts; here for the error messages). */
export const MAX_RETRY_DELAY_MS = 10_000;

export interface KubeApiErrorOptions {
  /** How often the call was sent (more than once when the server asked to retry). */
  attempts?: number;
  /** The delay the last answer asked for, when it was longer than fn waits. */
  retryAfterMs?: number;
}

export class KubeApiError extends Error {
  readonly attempts: number;
  readonly retryAfterMs?: number;

  constructor(
    readonly statusCode: number,
    readonly status: KubeStatus,
    readonly method: string,
    readonly path: string,
    options: KubeApiErrorOptions = {},
  ) {
    super(status.message || `${method} ${path}: HTTP ${statusCode}`);
    this.name = 'KubeApiError';
    this.attempts = options.attempts ?? 1;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}
