// An HTTP error from the Kubernetes API, with the Status object the server sent (kept apart from
// kube-http.ts so that error mapping can be loaded and tested without the Kubernetes client).

/** A Kubernetes Status returned with an error. */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {name?: string; group?: string; kind?: string; causes?: {reason?: string; message?: string; field?: string}[]};
}

export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly status: KubeStatus,
    readonly method: string,
    readonly path: string,
  ) {
    super(status.message || `${method} ${path}: HTTP ${statusCode}`);
    this.name = 'KubeApiError';
  }
}
