// `fn dockerfile`: writes fn's generated Dockerfile into the function folder, with the runtime's
// invoker in .fn-invoker/ and a .dockerignore, so that `docker build .` works there and fn build
// uses it from then on. Refuses to overwrite without force; writes all files or none.
import {existsSync} from 'node:fs';
import {copyFile, mkdir, rename, rm, writeFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';
import {ALWAYS_EXCLUDED} from './build-context.js';
import {INVOKER_DIR, planDockerfile, type ImageChoices} from './dockerfile.js';
import {FnError} from './errors.js';
import type {FunctionConfig} from './function.js';

/** fn's always-excluded patterns in .dockerignore syntax (anchored, so `**` for any depth). */
export function defaultDockerignore(): string {
  const lines = ALWAYS_EXCLUDED.map((p) => `**/${p.replace(/\/$/, '')}`);
  return `# Written by fn dockerfile: never send dependencies, VCS data, fn's state or secrets to the engine.\n${lines.join('\n')}\n`;
}

export interface EjectResult {
  dockerfile: string;
  files: string[];
}

export async function ejectDockerfile(dir: string, config: FunctionConfig, runtimesDir: string, options: ImageChoices & {force?: boolean} = {}): Promise<EjectResult> {
  const plan = await planDockerfile(dir, config, runtimesDir, {...options, ignoreProjectDockerfile: true});
  if (plan.kind !== 'generated') throw new Error('unreachable');
  const writes: Array<{target: string; from?: string; content?: string}> = [
    {target: 'Dockerfile', content: plan.text},
    ...plan.invokerFiles.map((f) => ({target: `${INVOKER_DIR}/${f}`, from: join(plan.invokerDir, f)})),
  ];
  if (!existsSync(join(dir, '.dockerignore'))) writes.push({target: '.dockerignore', content: defaultDockerignore()});
  const clashes = writes.filter((w) => w.target !== '.dockerignore' && existsSync(join(dir, w.target))).map((w) => w.target);
  if (clashes.length && !options.force) {
    throw new FnError('WOULD_OVERWRITE', 'conflict', `${clashes.slice(0, 3).join(', ')}${clashes.length > 3 ? ` and ${clashes.length - 3} more` : ''} already exist in ${dir}`, {
      suggestion: 'pass --force to replace them (fn build then uses the new Dockerfile)',
      details: {files: clashes},
    });
  }
  // Stage everything next to its target, then rename: a failure midway leaves no partial files.
  const staged: Array<{tmp: string; target: string}> = [];
  try {
    for (const w of writes) {
      const target = join(dir, w.target);
      const tmp = `${target}.${process.pid}.fn-tmp`;
      await mkdir(dirname(target), {recursive: true});
      if (w.from) await copyFile(w.from, tmp);
      else await writeFile(tmp, w.content!);
      staged.push({tmp, target});
    }
  } catch (e) {
    await Promise.all(staged.map((s) => rm(s.tmp, {force: true})));
    throw e;
  }
  for (const s of staged) await rename(s.tmp, s.target);
  return {dockerfile: join(dir, 'Dockerfile'), files: writes.map((w) => w.target)};
}
