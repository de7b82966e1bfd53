// Reads a request body with a size limit and turns it into what handle() receives.
import {HttpError} from './errors.mjs';

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
