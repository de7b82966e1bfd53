// Writes a new function project from a template folder. Checks every target path first, so a refusal
// writes nothing; if a write fails midway, the files it created are removed again.
import {mkdir, readdir, readFile, rm, stat, writeFile, mkdtemp} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative, resolve} from 'node:path';
import {FnError} from '../../core/errors.js';
import {FUNCTION_FILE, stringifyFunction, type FunctionConfig} from '../../core/function.js';
import type {ScaffoldRequest, ScaffoldResult, Scaffolder} from '../../core/ports.js';
import {TEMPLATE_MANIFEST, listTemplates, renderTemplateText} from '../../core/templates.js';
import {templatesDir} from '../../paths.js';

/** npm drops dotfiles like .gitignore from packages, so templates store them as _gitignore. */
function targetName(relPath: string): string {
  return relPath.replace(/(^|\/)_(gitignore|dockerignore|fnignore|npmrc)$/, '$1.$2');
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full, base)));
    else out.push(relative(base, full));
  }
  return out.sort();
}

const isGitUrl = (s: string) => /^(https?:\/\/|git@|ssh:\/\/|git:\/\/|file:\/\/)/.test(s) || s.endsWith('.git');

async function templateRoot(repository: string | undefined): Promise<{root: string; cleanup: () => Promise<void>}> {
  if (!repository) return {root: templatesDir, cleanup: async () => {}};
  if (!isGitUrl(repository)) {
    const root = resolve(repository);
    if (!existsSync(root)) {
      throw new FnError('REPOSITORY_NOT_FOUND', 'notFound', `template repository "${repository}" does not exist`, {
        suggestion: 'pass a folder holding <runtime>/<template>/ folders, or a git URL',
      });
    }
    return {root, cleanup: async () => {}};
  }
  const tmp = await mkdtemp(join(tmpdir(), 'fn-templates-'));
  const {execa} = await import('execa');
  const [url, ref] = repository.split('#');
  try {
    await execa('git', ['clone', '--quiet', '--depth', '1', ...(ref ? ['--branch', ref] : []), url, tmp], {env: {GIT_TERMINAL_PROMPT: '0'}});
  } catch (e: any) {
    await rm(tmp, {recursive: true, force: true});
    throw new FnError('REPOSITORY_CLONE_FAILED', 'notFound', `could not clone template repository ${url}: ${String(e.stderr || e.message).trim().split('\n').pop()}`, {
      suggestion: 'check the URL and your git credentials',
      cause: e,
    });
  }
  return {root: tmp, cleanup: () => rm(tmp, {recursive: true, force: true})};
}

export class TemplateScaffolder implements Scaffolder {
  async scaffold(request: ScaffoldRequest): Promise<ScaffoldResult> {
    const {root, cleanup} = await templateRoot(request.repository);
    try {
      return await this.write(root, request);
    } finally {
      await cleanup();
    }
  }

  private async write(root: string, request: ScaffoldRequest): Promise<ScaffoldResult> {
    const all = await listTemplates(root);
    const chosen = all.find((t) => t.runtime === request.runtime && t.template === request.template);
    if (!chosen) {
      const available = all.map((t) => `${t.runtime}/${t.template}`).join(', ') || '(none)';
      throw new FnError('TEMPLATE_NOT_FOUND', 'usage', `no template "${request.template}" for runtime "${request.runtime}"`, {
        suggestion: `available: ${available} (see \`fn templates\`)`,
      });
    }
    const sources = (await walk(chosen.dir)).filter((f) => f !== TEMPLATE_MANIFEST);
    const config: FunctionConfig = {specVersion: 1, name: request.name, runtime: request.runtime, template: request.template};
    const planned = [...sources.map((f) => ({target: targetName(f), source: join(chosen.dir, f)})), {target: FUNCTION_FILE, source: undefined}];

    const existing: string[] = [];
    for (const {target} of planned) if (existsSync(join(request.dir, target))) existing.push(target);
    if (existing.length && !request.force) {
      throw new FnError('FILES_EXIST', 'conflict', `${request.dir} already has ${existing.join(', ')}; nothing was written`, {
        suggestion: 'pass --force to overwrite them, or choose an empty folder',
        details: {files: existing},
      });
    }
    if (existsSync(request.dir) && !(await stat(request.dir)).isDirectory()) {
      throw new FnError('NOT_A_DIRECTORY', 'usage', `${request.dir} exists and is not a folder`, {suggestion: 'choose another path'});
    }

    const created: string[] = [];
    try {
      for (const {target, source} of planned) {
        const dest = join(request.dir, target);
        await mkdir(dirname(dest), {recursive: true});
        const content = source === undefined ? stringifyFunction(config) : await readFile(source);
        const isText = source === undefined || !(content as Buffer).includes(0);
        const body = isText && source !== undefined ? renderTemplateText(content.toString('utf8'), {name: request.name}) : content;
        if (!existsSync(dest)) created.push(dest);
        await writeFile(dest, body, {mode: source ? (await stat(source)).mode : 0o644});
      }
    } catch (e) {
      await Promise.all(created.map((f) => rm(f, {force: true})));
      throw e;
    }
    return {dir: request.dir, files: planned.map((p) => p.target), config};
  }
}
