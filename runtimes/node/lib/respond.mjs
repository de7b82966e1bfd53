// Turns what handle() returned into an HTTP answer:
//   undefined / null           → 204 No Content
//   string                     → 200 text/plain
//   Buffer / Uint8Array        → 200 application/octet-stream
//   {statusCode, headers, body} (only those keys, statusCode or body present) → as given; an object body
//                                is sent as JSON
//   anything else              → 200 application/json
import {log} from './context.mjs';
import {statusOf} from './errors.mjs';
import {lifecycle} from './lifecycle.mjs';

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
