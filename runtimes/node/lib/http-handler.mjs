// The request handler for `http` functions: handle(context, body) → value (see respond.mjs).
import {mayHaveBody, parseBody, readBody} from './body.mjs';
import {Context} from './context.mjs';
import {sendError, sendValue} from './respond.mjs';

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
