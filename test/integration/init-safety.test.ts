// fn init under bad input and hostile templates, as a user (or an attacker) would meet it: links in
// templates and in the target folder, folders that are not new, paths that cannot be written, and
// --repository values that are options or servers that never answer. Each refusal writes nothing.
import {describe, expect, test} from '@jest/globals';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, readFile, symlink, writeFile} from 'node:fs/promises';
import {createServer, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, expectExit} from '../support/cli.js';

const tmp = () => mkdtemp(join(tmpdir(), 'fn-init-safety-'));

async function templateRepo(files: Record<string, string> = {'index.js': 'export const x = 1;\n'}): Promise<string> {
  const repo = await tmp();
  await mkdir(join(repo, 'node', 'http'), {recursive: true});
  await writeFile(join(repo, 'node', 'http', 'manifest.yaml'), 'description: test\n');
  for (const [name, content] of Object.entries(files)) await writeFile(join(repo, 'node', 'http', name), content);
  return repo;
}

describe('links', () => {
  test('a template with a symbolic link to a host file is refused, naming the link; nothing is written', async () => {
    const repo = await templateRepo();
    await symlink('/etc/passwd', join(repo, 'node', 'http', 'passwd.txt'));
    const dir = join(await tmp(), 'linked');
    const r = await runFn(['init', dir, '--runtime', 'node', '--repository', repo]);
    expectExit(r, 2);
    expect(r.stderr).toContain('symbolic link passwd.txt → /etc/passwd; links are never copied');
    expect(existsSync(dir)).toBe(false);
  });

  test('a dangling link in the target folder is never written through, even with --force', async () => {
    const outside = join(await tmp(), 'outside.js');
    const dir = join(await tmp(), 'hello');
    await mkdir(dir);
    await symlink(outside, join(dir, 'index.js'));
    const refused = await runFn(['init', dir, '--runtime', 'node']);
    expectExit(refused, 3);
    expect(refused.stderr).toContain('index.js');
    const forced = await runFn(['init', dir, '--runtime', 'node', '--force']);
    expectExit(forced, 0);
    expect(existsSync(outside)).toBe(false);
    expect(await readFile(join(dir, 'index.js'), 'utf8')).toContain('export function handle');
  });

  test('a folder on the way that links out of the target is refused', async () => {
    const elsewhere = await tmp();
    const repo = await templateRepo();
    await mkdir(join(repo, 'node', 'http', 'lib'));
    await writeFile(join(repo, 'node', 'http', 'lib', 'util.js'), 'export {};\n');
    const dir = join(await tmp(), 'hello');
    await mkdir(dir);
    await symlink(elsewhere, join(dir, 'lib'));
    const r = await runFn(['init', dir, '--runtime', 'node', '--repository', repo, '--force']);
    expectExit(r, 2);
    expect(r.stderr).toContain('leads outside');
    expect(await readdir(elsewhere)).toEqual([]);
  });
});

describe('folders that are not a new function\'s', () => {
  test('a folder with other files (fn init .. or fn init \'\') is refused with exit 3 naming it', async () => {
    const parent = await tmp();
    await writeFile(join(parent, 'notes.txt'), 'mine\n');
    const child = join(parent, 'child');
    await mkdir(child);
    for (const [path, cwd] of [['..', child], ['', parent]] as const) {
      const r = await runFn(['init', path, '--runtime', 'node', '--name', 'hello'], {cwd});
      expect({path, exitCode: r.exitCode}).toEqual({path, exitCode: 3});
      expect(r.stderr).toContain(`${parent} is not empty`);
    }
    expect((await readdir(parent)).sort()).toEqual(['child', 'notes.txt']);
  });

  test('a path through a file is exit 2 naming the path, not a bug', async () => {
    const parent = await tmp();
    await writeFile(join(parent, 'file.txt'), 'x');
    const r = await runFn(['init', join(parent, 'file.txt', 'hello'), '--runtime', 'node']);
    expectExit(r, 2);
    expect(r.stderr).toContain(join(parent, 'file.txt', 'hello'));
  });
});

describe('--repository', () => {
  test('a value that git would read as an option is refused, and runs nothing', async () => {
    const marker = join(await tmp(), 'pwned');
    const r = await runFn(['init', join(await tmp(), 'x'), '--runtime', 'node', '--repository', `--upload-pack=touch ${marker};x.git`]);
    expectExit(r, 2);
    expect(r.stderr).toContain('is not a URL');
    expect(existsSync(marker)).toBe(false);
  });

  test('a server that never answers: bounded by FN_GIT_TIMEOUT_MS, and its temporary clone is removed', async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => void sockets.push(s)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as {port: number}).port;
    const scratch = await tmp();
    try {
      const r = await runFn(['init', join(await tmp(), 'x'), '--runtime', 'node', '--repository', `http://127.0.0.1:${port}/templates.git`], {
        env: {FN_GIT_TIMEOUT_MS: '2000', TMPDIR: scratch},
      });
      expectExit(r, 8);
      expect(r.stderr).toContain(`could not clone template repository http://127.0.0.1:${port}/templates.git: git did not finish within 2s`);
      expect((await readdir(scratch)).filter((f) => f.startsWith('fn-templates-'))).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  test('git\'s own error is named with the URL', async () => {
    const missing = `file://${join(await tmp(), 'nothing-here.git')}`;
    const r = await runFn(['init', join(await tmp(), 'x'), '--runtime', 'node', '--repository', missing]);
    expectExit(r, 8);
    expect(r.stderr).toMatch(new RegExp(`could not clone template repository ${missing}: fatal: `));
  });
});
