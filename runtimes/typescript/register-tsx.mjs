// Preloaded with `node --import`: lets the Node.js invoker import the function's .ts files on the host.
// tsx is resolved from fn's own node_modules, so the function needs no TypeScript tooling to run.
let register;
try {
  ({register} = await import('tsx/esm/api'));
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  process.stderr.write('error: fn cannot find tsx, which runs TypeScript functions on the host; reinstall fn together with its dependencies (npm install in fn\'s folder, or npm install -g)\n');
  process.exit(1);
}
register();
