// The HTTP server around a request handler: health endpoints, an error net, and a graceful stop that lets
// in-flight requests finish. Plain node:http, nothing per request that can be avoided.
import {createServer} from 'node:http';
import {log} from './context.mjs';
import {lifecycle} from './lifecycle.mjs';
import {send, sendError} from './respond.mjs';

const TEXT = 'text/plain; charset=utf-8';

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
