// The CLI as a whole: start-up answers, usage errors, exit codes, --json, and `fn init`'s promises
// (never overwrite, never prompt in CI, nothing written on refusal). Needs `npm run build`.
import {describe, expect, test} from '@jest/globals';
import {execa} from 'execa';
import {mkdir, mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';

const tmp = () => mkdtemp(join(tmpdir(), 'fn-cli-'));

describe('start-up', () => {
  test('--version names the package and version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const r = await runFn(['--version']);
    expectExit(r, 0);
    expect(r.stdout).toMatch(new RegExp(`^${pkg.name}/${pkg.version.replaceAll('.', '\\.')} linux-x64 node-v20\\.`));
  });

  test('the cached root help is exactly what oclif renders', async () => {
    const fast = await runFn(['--help']);
    const slow = await runFn(['--help'], {env: {FN_NO_FAST_PATH: '1', COLUMNS: '100'}});
    expectExit(fast, 0);
    expect(fast.stdout).toBe(slow.stdout);
    for (const command of ['init', 'run', 'invoke', 'templates']) expect(fast.stdout).toContain(`  ${command} `);
  });
});

describe('usage errors', () => {
  test('an unknown flag is a usage error (exit 2) with a JSON error under --json', async () => {
    const r = await runFnJson(['init', '--runtim', 'node']);
    expectExit(r, 2);
    expect(r.json.error).toMatchObject({code: 'USAGE', exitCode: 2});
    expect(r.json.error.message).toContain('--runtim');
  });

  test('an unknown command is a usage error (exit 2) naming the nearest command, never a prompt', async () => {
    const r = await runFnJson(['deplyo']);
    expectExit(r, 2);
    expect(r.json.error).toMatchObject({code: 'UNKNOWN_COMMAND', exitCode: 2, message: 'fn has no command "deplyo"', details: {nearest: 'deploy'}});
    expect(r.json.error.suggestion).toMatch(/^fn deploy /);
    const far = await runFn(['xyzzy']);
    expectExit(far, 2);
    expect(far.stderr).toBe('Error: fn has no command "xyzzy"\nTry: fn --help lists every command');
  });

  test('a value outside the options names the accepted ones', async () => {
    const r = await runFn(['init', await tmp(), '--runtime', 'ruby']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/node, typescript, python, go/);
  });
});

describe('typed flag values, checked by one grammar before any cluster is read', () => {
  // KUBECONFIG points nowhere: a command that got past its flags would fail with exit 7, not 2.
  const noCluster = {env: {KUBECONFIG: '/nonexistent/kubeconfig'}};

  test.each([
    [['deploy', '--timeout', '300'], 'INVALID_DURATION', '--timeout "300" is not a duration: a unit is required', '--timeout 300s'],
    [['traffic', 'hello', '--split', 'a=100', '--timeout', '1m30'], 'INVALID_DURATION', '--timeout "1m30" is not a duration', '--timeout'],
    [['rollout', 'hello', '--interval', '30'], 'INVALID_DURATION', '--interval "30" is not a duration: a unit is required', '--interval 30s'],
    [['rollout', 'hello', '--steps', '50,25,100'], 'INVALID_STEPS', '--steps "50,25,100": 25 does not increase on 50', '--steps 5,25,50,100'],
    [['rollout', 'hello', '--max-error-rate', '1'], 'INVALID_PERCENTAGE', '--max-error-rate "1" is not a percentage between 0% and 100%', '1%'],
    [['rollout', 'hello', '--requests', '0'], 'INVALID_COUNT', '--requests "0" is not a whole number from 1 to 10000', 'from 1 to 10000'],
    [['logs', 'hello', '--since', '10'], 'INVALID_DURATION', '--since "10" is not a duration: a unit is required', '--since 10s'],
    [['run', '--port', '99999'], 'INVALID_COUNT', '--port "99999" is not a whole number from 1 to 65535', 'from 1 to 65535'],
    [['logs', 'hello', '--tail', '-1'], 'INVALID_COUNT', '--tail "-1" is not a whole number from 0 to 1000000', 'from 0 to 1000000'],
    [['revisions', 'prune', 'hello', '--keep', 'x'], 'INVALID_COUNT', '--keep "x" is not a whole number from 0 to 100000', 'from 0 to 100000'],
  ])('fn %j → exit 2 %s', async (args, code, message, suggestion) => {
    const r = await runFnJson(args, noCluster);
    expectExit(r, 2);
    expect(r.json.error.code).toBe(code);
    expect(r.json.error.message).toBe(message);
    expect(r.json.error.suggestion).toContain(suggestion);
  });

  test('durations with units, compound ones too, pass the flags (and then need a cluster: exit 7)', async () => {
    const r = await runFnJson(['traffic', 'hello', '--split', 'a=100', '--timeout', '1m30s'], noCluster);
    expect(r.json.error.code).not.toBe('INVALID_DURATION');
    expectExit(r, 7);
  });

  test('help shows defaults in the same grammar', async () => {
    const r = await runFn(['rollout', '--help']);
    expect(r.stdout).toMatch(/--interval=<value>\s+\[default: 30s, env: FN_INTERVAL\]/);
    expect(r.stdout).toMatch(/--max-error-rate=<value>\s+\[default: 1%, env: FN_MAX_ERROR_RATE\]/);
    expect(r.stdout).toMatch(/--steps=<value>\s+\[default: 5,25,50,100, env: FN_STEPS\]/);
  });
});

describe('fn init', () => {
  test('in CI without --runtime it names the flag instead of prompting', async () => {
    const dir = join(await tmp(), 'hello');
    const r = await runFn(['init', dir]);
    expectExit(r, 2);
    expect(r.stderr).toContain('--runtime is required');
    expect(r.stderr).toContain('Try: pass --runtime node|typescript|python|go');
    await expect(readdir(dir)).rejects.toThrow();
  });

  test('writes the template and fn.yaml; --json lists the files', async () => {
    const dir = join(await tmp(), 'hello');
    const r = await runFnJson(['init', dir, '--runtime', 'node']);
    expectExit(r, 0);
    expect(r.json).toMatchObject({name: 'hello', runtime: 'node', template: 'http', dir});
    expect(r.json.files).toContain('fn.yaml');
    const topLevel = new Set(r.json.files.map((f: string) => f.split('/')[0]));
    expect((await readdir(dir)).sort()).toEqual([...topLevel].sort());
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toBe('specVersion: 1\nname: hello\nruntime: node\ntemplate: http\n');
  });

  test('an invalid folder name is refused with a fix, nothing written', async () => {
    const dir = join(await tmp(), 'My_Func');
    const r = await runFn(['init', dir, '--runtime', 'node']);
    expectExit(r, 2);
    expect(r.stderr).toContain('folder name');
    expect(r.stderr).toContain('Try: use --name my-func');
    await expect(readdir(dir)).rejects.toThrow();
  });

  test('existing files are listed and left untouched; --force overwrites', async () => {
    const dir = await tmp();
    const first = await runFnJson(['init', dir, '--runtime', 'node', '--name', 'first']);
    expectExit(first, 0);
    await writeFile(join(dir, 'fn.yaml'), 'mine\n');
    const before = (await readdir(dir)).sort();

    const refused = await runFn(['init', dir, '--runtime', 'node', '--name', 'second']);
    expectExit(refused, 3);
    expect(refused.stderr).toContain('fn.yaml');
    expect(refused.stderr).toContain('nothing was written');
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toBe('mine\n');
    expect((await readdir(dir)).sort()).toEqual(before);

    const forced = await runFn(['init', dir, '--runtime', 'node', '--name', 'second', '--force']);
    expectExit(forced, 0);
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toContain('name: second');
  });

  test('templates from a local folder and from a git URL', async () => {
    const repo = await tmp();
    await mkdir(join(repo, 'node', 'http'), {recursive: true});
    await writeFile(join(repo, 'node', 'http', 'manifest.yaml'), 'description: custom\n');
    await writeFile(join(repo, 'node', 'http', 'index.js'), 'export const name = "{{fn.name}}";\n');

    const fromDir = join(await tmp(), 'custom');
    expect((await runFn(['init', fromDir, '--runtime', 'node', '--repository', repo])).exitCode).toBe(0);
    expect(await readFile(join(fromDir, 'index.js'), 'utf8')).toBe('export const name = "custom";\n');
    await expect(readFile(join(fromDir, 'manifest.yaml'))).rejects.toThrow();

    const git = {cwd: repo, env: {GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t'}};
    await execa('git', ['init', '-q', '-b', 'main'], git);
    await execa('git', ['add', '.'], git);
    await execa('git', ['commit', '-qm', 'templates'], git);
    const fromGit = join(await tmp(), 'viagit');
    const r = await runFn(['init', fromGit, '--runtime', 'node', '--repository', `file://${repo}`]);
    expectExit(r, 0);
    expect(await readFile(join(fromGit, 'index.js'), 'utf8')).toBe('export const name = "viagit";\n');

    const missing = await runFn(['init', join(await tmp(), 'x'), '--runtime', 'go', '--repository', repo]);
    expectExit(missing, 2);
    expect(missing.stderr).toContain('available: node/http');
  });
});
