// Types for what fn passes to handle() and accepts back. Types only: nothing here runs.
import type {IncomingHttpHeaders, IncomingMessage} from 'node:http';

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface Context {
  method: string;
  /** The path without the query string, e.g. "/orders/1". */
  path: string;
  /** Query parameters; a repeated key gives an array. */
  query: Record<string, string | string[]>;
  /** Request headers, names in lower case. */
  headers: IncomingHttpHeaders;
  log: Logger;
  /** The raw node:http request, for anything else. */
  request: IncomingMessage;
}

/** Answer with your own status and headers; an object body is sent as JSON. */
export interface HttpResponse {
  statusCode?: number;
  headers?: Record<string, string | string[]>;
  body?: unknown;
}
