// The `context` a function receives: request facts plus a logger. Query, path and headers are getters
// so that a function that never looks at them costs nothing for them.
import {format} from 'node:util';

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
