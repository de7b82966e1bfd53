import type {Context} from './fn-types.js';

interface Greeting {
  message: string;
}

/**
 * Your function. fn calls handle() once for every HTTP request.
 *
 * @param context  the request: context.method, .path, .query, .headers, .log.info/.warn/.error(...)
 * @param body     the request body: parsed JSON, a string for text/*, an object for form posts,
 *                 a Buffer for anything else, undefined for GET
 * @returns        an object or array (sent as JSON), a string (sent as text), nothing (204), or an
 *                 HttpResponse {statusCode, headers, body} to choose the status and headers yourself.
 *                 May be async. A thrown error answers 500 {"error": "..."}; give the error a
 *                 statusCode property (e.g. 400) to answer with that status instead.
 *
 * Try it: `fn run`, then `fn invoke` or `curl 'http://127.0.0.1:8080/?name=Ada'`.
 */
export function handle(context: Context, body?: unknown): Greeting {
  const fromQuery = context.query.name;
  const fromBody = (body as {name?: string} | undefined)?.name;
  const name = (Array.isArray(fromQuery) ? fromQuery[0] : fromQuery) ?? fromBody ?? 'world';
  context.log.info(`{{fn.name}}: saying hello to ${name}`);
  return {message: `Hello ${name}`};
}

// Optional hooks fn also calls when you export them:
//   export async function init() {}       before the first request (open connections, read config)
//   export async function shutdown() {}   on SIGTERM, after in-flight requests finished
//   export function readiness() {}        return false to answer 503 on /health/readiness
