// Loaded with `node --import`: records every package the process imports (ESM resolve hook) or
// requires (CommonJS), one name per line, into $FN_RECORD_IMPORTS. Lets a test prove what a command loads.
import {register} from 'node:module';
import {appendFileSync} from 'node:fs';
import Module from 'node:module';

const out = process.env.FN_RECORD_IMPORTS;
const packageOf = (path) => path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];

register(`data:text/javascript,${encodeURIComponent(`
import {appendFileSync} from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const m = result.url.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/);
  if (m) appendFileSync(${JSON.stringify(out)}, m[1] + '\\n');
  return result;
}`)}`);

const originalLoad = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    const name = packageOf(Module._resolveFilename(request, parent, isMain));
    if (name) appendFileSync(out, name + '\n');
  } catch {
    // let the real loader report it
  }
  return originalLoad.apply(this, arguments);
};
