// Where fn's own files live (templates, runtimes), whether running from dist/ or from src/ in tests.
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'runtimes'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`fn: cannot find its package root above ${start}`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const templatesDir = join(packageRoot, 'src', 'templates');
export const runtimesDir = join(packageRoot, 'runtimes');
