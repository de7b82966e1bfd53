#!/usr/bin/env node
// fn's Node.js invoker: serves the function in FN_FUNCTION_DIR (default: the working directory) over
// HTTP on PORT (default 8080), as a plain HTTP function or a CloudEvents function (FN_TEMPLATE).
// Environment: FN_ENTRY (module file, relative to the function folder), FN_MAX_BODY_BYTES (default
// 10 MiB), FN_SHUTDOWN_TIMEOUT_SECONDS (default 30), FN_CE_SOURCE, FN_CE_RESPONSE_TYPE, FN_LOG_LEVEL.
import {createHttpHandler, loadFunction, log, resolveEntry, startServer} from './lib/core.mjs';

const env = process.env;

function positiveInt(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    log.error(`${name}=${raw} is not a whole number`);
    process.exit(2);
  }
  return n;
}

const functionDir = env.FN_FUNCTION_DIR || process.cwd();
const template = env.FN_TEMPLATE || 'http';
const port = positiveInt('PORT', 8080);
const maxBodyBytes = positiveInt('FN_MAX_BODY_BYTES', 10 * 1024 * 1024);
const shutdownTimeoutMs = positiveInt('FN_SHUTDOWN_TIMEOUT_SECONDS', 30) * 1000;
if (template !== 'http' && template !== 'cloudevents') {
  log.error(`FN_TEMPLATE=${template} is not supported; use http or cloudevents`);
  process.exit(2);
}

// A function's stray async error is logged, never fatal: one bad request must not take the others down.
process.on('uncaughtException', (e) => log.error(`uncaught exception: ${e instanceof Error ? e.stack : e}`));
process.on('unhandledRejection', (e) => log.error(`unhandled rejection: ${e instanceof Error ? e.stack : e}`));

let fn;
try {
  fn = await loadFunction(resolveEntry(functionDir, env.FN_ENTRY));
  await fn.init?.();
} catch (e) {
  log.error(`cannot load the function: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
}

const handler =
  template === 'cloudevents'
    ? await (await import('./lib/cloudevent-handler.mjs')).createCloudEventHandler(fn.handle, {maxBodyBytes, functionDir, env})
    : createHttpHandler(fn.handle, {maxBodyBytes});

let running;
try {
  running = await startServer({handler, port, hooks: fn, shutdownTimeoutMs});
} catch (e) {
  log.error(`cannot listen on port ${port}: ${e.message}`);
  process.exit(1);
}
// Lifecycle lines go to stderr: stdout belongs to the function's own log lines.
process.stderr.write(`function listening on port ${running.port} (${template})\n`);

const onSignal = (signal) => {
  process.stderr.write(`${signal}: finishing in-flight requests\n`);
  running.stop().then((clean) => process.exit(clean ? 0 : 1));
};
process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);
