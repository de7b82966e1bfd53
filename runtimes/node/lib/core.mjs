// The Node.js invoker's machinery for serving a function: lifecycle state, errors, the request context,
// bodies, answers, the http request handler, loading the function module, and the server.
// Kept in ONE module on purpose: each ES module costs the loader an asynchronous read and a compile, and
// the invoker must start within 1.2× a bare node:http server (bench/invoker). Sections are marked below;
// the cloudevents handler stays in its own module because only cloudevents functions load it.
import {existsSync, readFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {isAbsolute, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {format} from 'node:util';

// ---- lifecycle ----------------------------------------------------------------------------------

export const lifecycle = {
  /** Set on SIGTERM: readiness answers 503 and every answer closes its connection. */
  draining: false,
};

// ---- errors -------------------------------------------------------------------------------------

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
// ---- context ------------------------------------------------------------------------------------

// The `context` a function receives: request facts plus a logger. Query, path and headers are getters
// so that a function that never looks at them costs nothing for them.

const debugEnabled = /^(debug|trace)$/i.test(process.env.FN_LOG_LEVEL ?? '');

/** One logger for the whole process: info/debug to stdout, warn/error to stderr, one line each. */
export const log = {
  debug: (...args) => {
    if (debugEnabled) process.stdout.write(`debug: ${format(...args)}\n`);
  },
  info: (...args) => process.stdout.write(`${format(...args)}\n`),
  warn: (...args) => process.stderr.write(`warn: ${format(...args)}\n`),
  error: (...args) => process.stderr.write(`error: ${format(...args)}\n`),
};

export class Context {
  constructor(req) {
    /** The raw node:http IncomingMessage, for what the getters below do not cover. */
    this.request = req;
    this.method = req.method;
    /** Parsed request body (http template), set before handle() is called. */
    this.body = undefined;
    /** The incoming CloudEvent (cloudevents template). */
    this.cloudevent = undefined;
    this._query = undefined;
  }

  get headers() {
    return this.request.headers;
  }

  get url() {
    return this.request.url;
  }

  get path() {
    const url = this.request.url;
    const q = url.indexOf('?');
    return q < 0 ? url : url.slice(0, q);
  }

  /** Query parameters as a plain object; a repeated key gives an array. */
  get query() {
    if (this._query === undefined) {
      const url = this.request.url;
      const q = url.indexOf('?');
      const query = {};
      if (q >= 0) {
        for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
          const prev = query[k];
          query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
      }
      this._query = query;
    }
    return this._query;
  }

  get httpVersion() {
    return this.request.httpVersion;
  }

  get log() {
    return log;
  }
}
// ---- body ---------------------------------------------------------------------------------------

// Reads a request body with a size limit and turns it into what handle() receives.

/** GET and HEAD never carry a body we read; skipping them keeps the hot path free of header parsing. */
export function mayHaveBody(req) {
  const m = req.method;
  if (m === 'GET' || m === 'HEAD') return false;
  const h = req.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

/** Resolves with the whole body as a Buffer, or rejects with HttpError 413 past maxBytes. */
export function readBody(req, maxBytes) {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

function tooLarge(maxBytes) {
  return new HttpError(413, `request body is larger than ${maxBytes} bytes (FN_MAX_BODY_BYTES)`);
}

/**
 * JSON → parsed value; text/* and XML → string; form-urlencoded → object; anything else → Buffer.
 * An empty body is undefined.
 */
export function parseBody(buffer, contentType = '') {
  if (buffer.length === 0) return undefined;
  const type = contentType.toLowerCase();
  if (type.includes('json')) {
    try {
      return JSON.parse(buffer.toString('utf8'));
    } catch (e) {
      throw new HttpError(400, `request body is not valid JSON: ${e.message}`);
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(buffer.toString('utf8')));
  if (type === '' || type.startsWith('text/') || type.includes('xml')) return buffer.toString('utf8');
  return buffer;
}
// ---- respond ------------------------------------------------------------------------------------

// Turns what handle() returned into an HTTP answer:
//   undefined / null           → 204 No Content
//   string                     → 200 text/plain
//   Buffer / Uint8Array        → 200 application/octet-stream
//   {statusCode, headers, body} (only those keys, statusCode or body present) → as given; an object body
//                                is sent as JSON
//   anything else              → 200 application/json

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';
const OCTETS = 'application/octet-stream';
const RESPONSE_KEYS = new Set(['statusCode', 'headers', 'body']);

export function isResponseShape(value) {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  let hasKey = false;
  for (const key in value) {
    if (!RESPONSE_KEYS.has(key)) return false;
    if (key === 'statusCode' || key === 'body') hasKey = true;
  }
  return hasKey;
}

export function sendValue(res, value) {
  if (value === undefined || value === null) return send(res, 204, undefined, undefined);
  if (typeof value === 'string') return send(res, 200, TEXT, value);
  if (ArrayBuffer.isView(value)) return send(res, 200, OCTETS, value);
  if (isResponseShape(value)) return sendShaped(res, value);
  return send(res, 200, JSON_TYPE, JSON.stringify(value));
}

function sendShaped(res, {statusCode = 200, headers, body}) {
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new TypeError(`handle() returned statusCode ${String(statusCode)}; use an integer from 100 to 599`);
  }
  if (headers) for (const name of Object.keys(headers)) res.setHeader(name, headers[name]);
  let type;
  let payload;
  if (body === undefined || body === null) payload = undefined;
  else if (typeof body === 'string') [type, payload] = [TEXT, body];
  else if (ArrayBuffer.isView(body)) [type, payload] = [OCTETS, body];
  else [type, payload] = [JSON_TYPE, JSON.stringify(body)];
  if (res.hasHeader('content-type')) type = undefined;
  return send(res, statusCode, type, payload);
}

export function send(res, status, contentType, payload) {
  // While draining for shutdown, close each connection after its answer so the server can stop.
  if (lifecycle.draining) res.shouldKeepAlive = false;
  // An explicit length keeps the answer out of chunked encoding (writeHead fixes the header block).
  const length = payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (contentType === undefined) res.writeHead(status, status === 204 || status === 304 ? undefined : ['content-length', String(length)]);
  else res.writeHead(status, ['content-type', contentType, 'content-length', String(length)]);
  res.end(payload);
}

export function sendJson(res, status, value) {
  send(res, status, JSON_TYPE, JSON.stringify(value));
}

/** Any failure → {"error": "..."} with its status; 5xx are logged on stderr with the stack. */
export function sendError(res, error, where) {
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status >= 500) log.error(`${where}: ${error instanceof Error ? error.stack : message}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  // After a 413 the rest of the body was not read: close the connection instead of draining it.
  if (status === 413) res.shouldKeepAlive = false;
  sendJson(res, status, {error: message});
}
// ---- http-handler -------------------------------------------------------------------------------

// The request handler for `http` functions: handle(context, body) → value (see respond above).

export function createHttpHandler(handle, {maxBodyBytes}) {
  const call = (req, res, context, body) => {
    context.body = body;
    let result;
    try {
      result = handle(context, body);
    } catch (e) {
      return sendError(res, e, `handle() threw on ${req.method} ${req.url}`);
    }
    // Only await real promises: a synchronous result is answered without an extra microtask.
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      result.then(
        (value) => answer(res, req, value),
        (e) => sendError(res, e, `handle() rejected on ${req.method} ${req.url}`),
      );
    } else answer(res, req, result);
  };

  return (req, res) => {
    const context = new Context(req);
    if (!mayHaveBody(req)) return call(req, res, context, undefined);
    readBody(req, maxBodyBytes).then(
      (buffer) => {
        let body;
        try {
          body = parseBody(buffer, req.headers['content-type']);
        } catch (e) {
          return sendError(res, e, `reading the body of ${req.method} ${req.url}`);
        }
        call(req, res, context, body);
      },
      (e) => sendError(res, e, `reading the body of ${req.method} ${req.url}`),
    );
  };
}

function answer(res, req, value) {
  try {
    sendValue(res, value);
  } catch (e) {
    sendError(res, e, `answering ${req.method} ${req.url}`);
  }
}
// ---- load-function ------------------------------------------------------------------------------

// Finds and imports the user's function module and picks out handle() and the optional lifecycle hooks
// (init, shutdown, liveness, readiness), accepting ESM named exports, a default export object or
// function, and CommonJS module.exports.

const CANDIDATES = ['index.js', 'index.mjs', 'index.cjs'];

/** FN_ENTRY (relative to the function folder) wins, then package.json "main", then index.js/.mjs/.cjs. */
export function resolveEntry(functionDir, entry) {
  if (entry) {
    const file = isAbsolute(entry) ? entry : join(functionDir, entry);
    if (!existsSync(file)) throw new Error(`FN_ENTRY names ${file}, which does not exist`);
    return file;
  }
  const pkgFile = join(functionDir, 'package.json');
  if (existsSync(pkgFile)) {
    const main = JSON.parse(readFileSync(pkgFile, 'utf8')).main;
    if (typeof main === 'string' && existsSync(join(functionDir, main))) return join(functionDir, main);
  }
  for (const name of CANDIDATES) if (existsSync(join(functionDir, name))) return join(functionDir, name);
  throw new Error(`no function found in ${functionDir}: expected ${CANDIDATES.join(', ')} or package.json "main"`);
}

export async function loadFunction(file) {
  const mod = await import(pathToFileURL(file).href);
  const def = mod.default;
  const pick = (name) => {
    const f = typeof mod[name] === 'function' ? mod[name] : typeof def?.[name] === 'function' ? def[name] : undefined;
    return f && f === def?.[name] ? f.bind(def) : f;
  };
  const handle = pick('handle') ?? (typeof def === 'function' ? def : undefined);
  if (!handle) throw new Error(`${file} does not export a handle function: write \`export function handle(context, body) { ... }\``);
  return {handle, init: pick('init'), shutdown: pick('shutdown'), liveness: pick('liveness'), readiness: pick('readiness')};
}
// ---- server -------------------------------------------------------------------------------------

// The HTTP server around a request handler: health endpoints, an error net, and a graceful stop that lets
// in-flight requests finish. Plain node:http, nothing per request that can be avoided.


/**
 * Starts listening; resolves with {server, port, stop}. stop() stops accepting, waits for in-flight
 * requests (at most shutdownTimeoutMs), runs the shutdown hook, and resolves with true when everything
 * finished in time.
 */
export function startServer({handler, port = 8080, host, hooks = {}, shutdownTimeoutMs = 30_000}) {
  const health = async (res, check) => {
    if (lifecycle.draining) return send(res, 503, TEXT, 'shutting down');
    if (!check) return send(res, 200, TEXT, 'OK');
    try {
      const ok = await check();
      send(res, ok === false ? 503 : 200, TEXT, ok === false ? 'not ready' : 'OK');
    } catch (e) {
      send(res, 503, TEXT, e instanceof Error ? e.message : String(e));
    }
  };

  const server = createServer((req, res) => {
    const url = req.url;
    if (url.length > 8 && url.startsWith('/health/')) {
      if (url === '/health/readiness') return void health(res, hooks.readiness);
      if (url === '/health/liveness') return void health(res, hooks.liveness);
    }
    try {
      const pending = handler(req, res);
      if (pending && typeof pending.catch === 'function') pending.catch((e) => sendError(res, e, `${req.method} ${url}`));
    } catch (e) {
      sendError(res, e, `${req.method} ${url}`);
    }
  });

  let stopping;
  const stop = () => {
    stopping ??= new Promise((resolve) => {
      lifecycle.draining = true;
      const closed = new Promise((done) => server.close(() => done(true)));
      server.closeIdleConnections();
      // Connections that were busy become idle after their answer (each answer now closes its
      // connection, but a client may have sent nothing yet on a keep-alive socket).
      const sweeper = setInterval(() => server.closeIdleConnections(), 100);
      const timeout = new Promise((done) => setTimeout(() => done(false), shutdownTimeoutMs).unref());
      Promise.race([closed, timeout]).then(async (inTime) => {
        clearInterval(sweeper);
        if (!inTime) {
          log.error(`requests still running after ${shutdownTimeoutMs} ms; stopping anyway`);
          server.closeAllConnections();
        }
        try {
          await hooks.shutdown?.();
        } catch (e) {
          log.error(`shutdown() threw: ${e instanceof Error ? e.stack : e}`);
          inTime = false;
        }
        resolve(inTime);
      });
    });
    return stopping;
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({server, port: server.address().port, stop});
    });
  });
}
