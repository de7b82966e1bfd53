/**
 * Your function. fn calls handle() once for every HTTP request.
 *
 * @param {object} context  the request: context.method, .path, .query (object), .headers (lower-case
 *                          names), .log.info/.warn/.error(...) for your log lines
 * @param {*} body          the request body: parsed JSON, a string for text/*, an object for form posts,
 *                          a Buffer for anything else, undefined for GET
 * @returns                 an object or array (sent as JSON), a string (sent as text), nothing (204), or
 *                          {statusCode, headers, body} to choose the status and headers yourself.
 *                          May be async. A thrown error answers 500 {"error": "..."}; give the error a
 *                          statusCode property (e.g. 400) to answer with that status instead.
 *
 * Try it: `fn run`, then `fn invoke` or `curl 'http://127.0.0.1:8080/?name=Ada'`.
 */
export function handle(context, body) {
  const name = context.query.name ?? body?.name ?? 'world';
  context.log.info(`{{fn.name}}: saying hello to ${name}`);
  return {message: `Hello ${name}`};
}

// Optional hooks fn also calls when you export them:
//   export async function init() {}       before the first request (open connections, read config)
//   export async function shutdown() {}   on SIGTERM, after in-flight requests finished
//   export function readiness() {}        return false to answer 503 on /health/readiness
