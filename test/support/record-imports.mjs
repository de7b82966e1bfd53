// Loaded with `node --import`: records every package the process imports (ESM resolve hook) or
// requires (CommonJS), one name per line, into $FN_RECORD_IMPORTS. Lets a test prove what a command loads.
// Packages bundled into one of fn's lazily loaded bundles (dist/docker.cjs: dist/bundles.json lists
// what each holds) count as loaded when bin/run.js compiles that bundle.
import {register} from 'node:module';
import {appendFileSync, readFileSync} from 'node:fs';
import Module from 'node:module';
import {basename, dirname, join} from 'node:path';
import vm from 'node:vm';

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

const OriginalScript = vm.Script;
vm.Script = class extends OriginalScript {
  constructor(code, options) {
    super(code, options);
    const file = typeof options === 'object' ? options?.filename : undefined;
    if (!file?.endsWith('.cjs')) return;
    try {
      const packages = JSON.parse(readFileSync(join(dirname(file), 'bundles.json'), 'utf8'))[basename(file)] ?? [];
      for (const name of packages) appendFileSync(out, name + '\n');
    } catch {
      // not one of fn's bundles
    }
  }
};
