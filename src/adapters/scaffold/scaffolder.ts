// Writes a new function project from a template folder. Checks every target path first, so a refusal
// writes nothing; if a write fails midway, the files it created are removed again. Symbolic links are
// never followed: a template's links are refused (they could carry host files into the function and
// its image), and nothing is written through a link in the target folder.
import {lstat, mkdir, readdir, readFile, readlink, realpath, rm, stat, writeFile, mkdtemp} from 'node:fs/promises';
import {existsSync, rmSync} from 'node:fs';
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
    if (entry.isSymbolicLink()) {
      throw new FnError('TEMPLATE_SYMLINK', 'usage', `the template has a symbolic link ${relative(base, full)} → ${await readlink(full)}; links are never copied out of a template`, {
        suggestion: 'replace the link with the file itself in the template',
      });
    }
    if (entry.isDirectory()) out.push(...(await walk(full, base)));
    else if (entry.isFile()) out.push(relative(base, full));
  }
  return out.sort();
}

/** lstat, or undefined when nothing (not even a dangling link) is there. */
async function lstatOrUndefined(path: string) {
  return lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

/** Why a path cannot be written to, in words naming it; undefined for other errors. */
function pathError(e: NodeJS.ErrnoException, path: string): FnError | undefined {
  const what: Record<string, string> = {ENOTDIR: 'a part of it is a file, not a folder', EISDIR: 'it is a folder', EACCES: 'permission denied', EROFS: 'the file system is read-only', EEXIST: 'something is already there'};
  const why = e.code ? what[e.code] : undefined;
  return why ? new FnError('PATH_NOT_WRITABLE', 'usage', `cannot write ${path}: ${why}`, {suggestion: 'choose another path for the function', cause: e}) : undefined;
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
  const [url, ref] = repository.split('#');
  if (url.startsWith('-') || ref?.startsWith('-')) {
    throw new FnError('REPOSITORY_INVALID', 'usage', `template repository "${repository}" is not a URL`, {suggestion: 'pass a git URL (https://…, git@…, ssh://…) or a folder'});
  }
  const tmp = await mkdtemp(join(tmpdir(), 'fn-templates-'));
  // Removed however fn ends (an error, Ctrl-C, a timeout), not only on the happy path.
  const removeNow = () => rmSync(tmp, {recursive: true, force: true});
  process.once('exit', removeNow);
  const cleanup = async () => {
    process.removeListener('exit', removeNow);
    await rm(tmp, {recursive: true, force: true});
  };
  const {execa} = await import('execa');
  const timeoutMs = Number(process.env.FN_GIT_TIMEOUT_MS ?? 120_000);
  let timedOut = false;
  try {
    // `--` ends git's options: a URL can never be read as one (e.g. --upload-pack=…).
    const git = execa('git', ['clone', '--quiet', '--depth', '1', ...(ref ? ['--branch', ref] : []), '--', url, tmp], {
      env: {GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes'},
      stdin: 'ignore',
      // Its own process group, so the bound ends git's helpers too (git-remote-http holds the pipes).
      detached: true,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-git.pid!, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    try {
      await git;
    } finally {
      clearTimeout(timer);
    }
  } catch (e: any) {
    await cleanup();
    const lines = String(e.stderr ?? '').split('\n').map((l: string) => l.trim()).filter(Boolean);
    const gitSaid = lines.filter((l: string) => /^(fatal|error|remote):/.test(l)).join('; ') || lines.at(-1);
    const why = timedOut ? `git did not finish within ${Math.round(timeoutMs / 1000)}s` : gitSaid || e.shortMessage || e.message;
    throw new FnError('REPOSITORY_CLONE_FAILED', 'notFound', `could not clone template repository ${url}${ref ? ` (branch ${ref})` : ''}: ${why}`, {
      suggestion: timedOut ? 'check that the server answers (FN_GIT_TIMEOUT_MS sets the limit in ms)' : 'check the URL, the branch and your git credentials',
      cause: e,
    });
  }
  return {root: tmp, cleanup};
}

export class TemplateScaffolder implements Scaffolder {
  async scaffold(request: ScaffoldRequest): Promise<ScaffoldResult> {
    const {root, cleanup} = await templateRoot(request.repository);
    try {
      return await this.write(root, request);
    } catch (e: any) {
      throw pathError(e, request.dir) ?? e;
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

    const dirStat = await lstatOrUndefined(request.dir);
    if (dirStat && !(await stat(request.dir).catch(() => undefined))?.isDirectory()) {
      throw new FnError('NOT_A_DIRECTORY', 'usage', `${request.dir} exists and is not a folder`, {suggestion: 'choose another path'});
    }
    const existing: string[] = [];
    for (const {target} of planned) if (await lstatOrUndefined(join(request.dir, target))) existing.push(target);
    if (existing.length && !request.force) {
      throw new FnError('FILES_EXIST', 'conflict', `${request.dir} already has ${existing.join(', ')}; nothing was written`, {
        suggestion: 'pass --force to overwrite them, or choose an empty folder',
        details: {files: existing},
      });
    }

    // A folder with other things in it is not a new function's folder (`fn init ..` or `fn init ''`).
    const others = dirStat ? (await readdir(request.dir)).filter((f) => f !== '.git' && !planned.some((p) => p.target.split('/')[0] === f)) : [];
    if (others.length && !request.force) {
      throw new FnError('FOLDER_NOT_EMPTY', 'conflict', `${request.dir} is not empty (${others.slice(0, 3).join(', ')}${others.length > 3 ? `, and ${others.length - 3} more` : ''}); nothing was written`, {
        suggestion: 'choose a new or empty folder (fn init NEW-FOLDER), or pass --force to add the function to it',
        details: {files: others},
      });
    }
    const created: string[] = [];
    try {
      await mkdir(request.dir, {recursive: true});
      const root = await realpath(request.dir);
      for (const {target, source} of planned) {
        const dest = join(request.dir, target);
        await mkdir(dirname(dest), {recursive: true});
        // Never through a link: neither a folder on the way that leads out, nor the file itself.
        const parent = await realpath(dirname(dest));
        if (parent !== root && !parent.startsWith(`${root}/`)) {
          throw new FnError('PATH_OUTSIDE_TARGET', 'usage', `${dirname(dest)} leads outside ${request.dir} (through a symbolic link); nothing is written there`, {suggestion: 'remove the link, or choose another folder'});
        }
        if ((await lstatOrUndefined(dest))?.isSymbolicLink()) await rm(dest);
        const content = source === undefined ? stringifyFunction(config) : await readFile(source);
        const isText = source === undefined || !(content as Buffer).includes(0);
        const body = isText && source !== undefined ? renderTemplateText(content.toString('utf8'), {name: request.name}) : content;
        if (!existsSync(dest)) created.push(dest);
        await writeFile(dest, body, {mode: source ? (await stat(source)).mode : 0o644, flag: 'w'});
      }
    } catch (e: any) {
      await Promise.all(created.map((f) => rm(f, {force: true})));
      if (!dirStat) await rm(request.dir, {recursive: true, force: true}).catch(() => undefined);
      throw e;
    }
    return {dir: request.dir, files: planned.map((p) => p.target), config};
  }
}
