// The CloudEvents HTTP binding rules that the SDK (cloudevents 10) leaves out, applied around its
// HTTP.toEvent / HTTP.binary: the content mode from a case-insensitive media type, 415 for batches and
// other event formats, the required attributes checked on the message itself (the SDK invents an id and
// accepts any specversion), and percent-encoded ce- header values (HTTP binding 3.1.3.2). The table in
// runtimes/conformance/cases.json says what every invoker answers; this is the Node.js side of it.
import {HttpError} from './core.mjs';

export const SPEC_VERSIONS = ['1.0', '0.3'];
const REQUIRED = ['specversion', 'id', 'source', 'type'];
const STRUCTURED_JSON = 'application/cloudevents+json';

/** The media type of a Content-Type value: no parameters, lower case ('' when there is none). */
export function mediaType(contentType) {
  return (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
}

/** 'structured' or 'binary'; batches and structured formats other than JSON answer 415. */
export function contentMode(contentType) {
  const type = mediaType(contentType);
  if (type.startsWith('application/cloudevents-batch')) {
    throw new HttpError(415, 'batched CloudEvents (application/cloudevents-batch+json) are not supported: send one event per request, in binary or structured mode');
  }
  if (type.startsWith('application/cloudevents')) {
    if (type !== STRUCTURED_JSON) throw new HttpError(415, `the event format ${type} is not supported: send ${STRUCTURED_JSON} (structured mode) or binary mode`);
    return 'structured';
  }
  return 'binary';
}

/** specversion, id, source and type must be non-empty strings, and specversion one the SDK reads. */
export function checkRequired(attributes) {
  for (const name of REQUIRED) {
    const value = attributes[name];
    if (typeof value !== 'string' || value === '') {
      throw invalid(`attribute "${name}" must be a non-empty string (required: ${REQUIRED.join(', ')}; as ce- headers in binary mode, or members of an ${STRUCTURED_JSON} body)`);
    }
  }
  if (!SPEC_VERSIONS.includes(attributes.specversion)) {
    throw invalid(`specversion ${JSON.stringify(attributes.specversion)} is not supported; accepted: ${SPEC_VERSIONS.join(', ')}`);
  }
}

export function invalid(message) {
  return new HttpError(400, `not a valid CloudEvent: ${message}`);
}

const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextDecoder('utf-8', {fatal: true});

/**
 * A ce- header value as the attribute's string: a quoted-string is unquoted, then one round of
 * percent-decoding; a % that starts no escape is kept. Throws (400) when the bytes are not UTF-8.
 */
export function decodeHeaderValue(name, value) {
  let text = value;
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replace(/\\(.)/g, '$1');
  // node:http hands header bytes over as latin1 characters: take the bytes back.
  const bytes = Buffer.from(text, 'latin1');
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes[i] === 0x25 ? bytes.toString('latin1', i + 1, i + 3) : '';
    if (HEX.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else out[n++] = bytes[i];
  }
  try {
    return utf8.decode(out.subarray(0, n));
  } catch {
    throw invalid(`header ${name} is not percent-encoded UTF-8: ${JSON.stringify(value)}`);
  }
}

/** An attribute string as a header value: space, ", % and everything outside U+0021-U+007E percent-encoded. */
export function encodeHeaderValue(value) {
  let out = '';
  for (const ch of String(value)) {
    const code = ch.codePointAt(0);
    if (code >= 0x21 && code <= 0x7e && ch !== '"' && ch !== '%') out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The headers of a binary-mode message with every ce- value decoded (names in lower case). */
export function decodeCeHeaders(headers) {
  const decoded = {};
  for (const [name, value] of Object.entries(headers)) {
    decoded[name] = name.startsWith('ce-') && typeof value === 'string' ? decodeHeaderValue(name, value) : value;
  }
  return decoded;
}

/** The headers of a message the SDK wrote, with every ce- value percent-encoded. */
export function encodeCeHeaders(headers) {
  const encoded = {};
  for (const [name, value] of Object.entries(headers)) encoded[name] = name.toLowerCase().startsWith('ce-') ? encodeHeaderValue(value) : value;
  return encoded;
}

/**
 * Reads a request into {event, mode} with the SDK, after the checks above. `body` is the request's
 * Buffer; binary data that is not text (by its Content-Type) is handed to the SDK as bytes.
 */
export function readCloudEvent(HTTP, headers, body) {
  const mode = contentMode(headers['content-type']);
  let message;
  let jsonDataType;
  if (mode === 'structured') {
    const text = body.toString('utf8');
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      // reported below
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid(`the ${STRUCTURED_JSON} body is not a JSON object`);
    checkRequired(parsed);
    // The SDK looks its parser up by the exact header value: give it the bare media type.
    message = {headers: {...headers, 'content-type': STRUCTURED_JSON}, body: text};
  } else {
    const decoded = decodeCeHeaders(headers);
    checkRequired({specversion: decoded['ce-specversion'], id: decoded['ce-id'], source: decoded['ce-source'], type: decoded['ce-type']});
    const type = mediaType(headers['content-type']);
    const isText = type === '' || type.startsWith('text/') || type.includes('json') || type.includes('xml');
    // The SDK parses JSON data only for the exact values 'application/json' and '…; charset=utf-8'.
    jsonDataType = type === 'application/json' || type.endsWith('+json') ? headers['content-type'] : undefined;
    message = {headers: jsonDataType ? {...decoded, 'content-type': 'application/json'} : decoded, body: isText ? body.toString('utf8') : body};
  }
  let event;
  try {
    event = HTTP.toEvent(message);
    if (jsonDataType !== undefined && jsonDataType !== 'application/json') event = event.cloneWith({datacontenttype: jsonDataType}, false);
    event.validate();
  } catch (e) {
    const details = Array.isArray(e?.errors) ? `: ${e.errors.map((x) => `${x.instancePath?.slice(1) || x.params?.missingProperty || ''} ${x.message}`.trim()).join('; ')}` : '';
    throw invalid(`${e?.message ?? e}${details}`);
  }
  return {event, mode};
}
