// The request handler for `cloudevents` functions: handle(context, event) where event is an SDK
// CloudEvent read from a binary- or structured-mode request (see cloudevent-binding.mjs for what is
// refused: 400 for a message that is not a valid event, 415 for batches). The answer:
//   a CloudEvent (any object with specversion, id, type, source) → that event, 200
//   other data                → wrapped in a CloudEvent (type FN_CE_RESPONSE_TYPE, default
//                               "<incoming type>.response"; source FN_CE_SOURCE, default "/fn/<name>"), 200
//   undefined / null          → 204 No Content
// The answer uses the request's content mode. The SDK is loaded only here, so http functions never pay
// for it.
import {randomUUID} from 'node:crypto';
import {basename} from 'node:path';
import {encodeCeHeaders, readCloudEvent} from './cloudevent-binding.mjs';
import {Context, readBody, send, sendError} from './core.mjs';

export async function createCloudEventHandler(handle, {maxBodyBytes, functionDir = process.cwd(), env = process.env}) {
  const {CloudEvent, HTTP} = await import('cloudevents');
  const source = env.FN_CE_SOURCE || `/fn/${env.K_SERVICE || basename(functionDir)}`;
  const responseType = env.FN_CE_RESPONSE_TYPE;

  const toResponseEvent = (value, incoming) => {
    if (value instanceof CloudEvent) return value;
    if (isCloudEventLike(value)) return new CloudEvent(typeof value.toJSON === 'function' ? value.toJSON() : value, false);
    const attributes = {id: randomUUID(), type: responseType || `${incoming.type}.response`, source, data: value};
    if (typeof value === 'object' && !ArrayBuffer.isView(value)) attributes.datacontenttype = 'application/json';
    else if (typeof value === 'string') attributes.datacontenttype = 'text/plain';
    return new CloudEvent(attributes);
  };

  return async (req, res) => {
    const where = `${req.method} ${req.url}`;
    try {
      const buffer = await readBody(req, maxBodyBytes);
      const {event, mode} = readCloudEvent(HTTP, req.headers, buffer);
      const context = new Context(req);
      context.cloudevent = event;
      context.body = event.data;
      let result;
      try {
        result = await handle(context, event);
      } catch (e) {
        return sendError(res, e, `handle() threw on ${where}`);
      }
      if (result === undefined || result === null) return send(res, 204, undefined, undefined);
      const out = toResponseEvent(result, event);
      const message = mode === 'structured' ? HTTP.structured(out) : HTTP.binary(out);
      for (const [name, value] of Object.entries(encodeCeHeaders(message.headers))) res.setHeader(name, value);
      send(res, 200, undefined, message.body);
    } catch (e) {
      sendError(res, e, `handling the CloudEvent ${where}`);
    }
  };
}

function isCloudEventLike(value) {
  return typeof value === 'object' && value !== null && typeof value.specversion === 'string' && typeof value.type === 'string' && typeof value.source === 'string' && typeof value.id === 'string';
}
