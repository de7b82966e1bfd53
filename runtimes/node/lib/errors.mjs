// An error that carries the HTTP status to answer with (400 bad JSON, 413 too large, ...). A function may
// throw its own error with a numeric `statusCode` (400-599) to choose the status the same way.
export class HttpError extends Error {
  constructor(statusCode, message) {
    super(message);
    this.statusCode = statusCode;
  }
}

export function statusOf(error) {
  const code = error?.statusCode;
  return Number.isInteger(code) && code >= 400 && code <= 599 ? code : 500;
}
