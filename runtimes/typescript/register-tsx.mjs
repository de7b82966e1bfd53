// Preloaded with `node --import`: lets the Node.js invoker import the function's .ts files on the host.
// tsx is resolved from fn's own node_modules, so the function needs no TypeScript tooling to run.
import {register} from 'tsx/esm/api';

register();
