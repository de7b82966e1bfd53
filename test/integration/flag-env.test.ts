// Every flag also reads FN_<FLAG> (src/ui/flags.ts withEnv), listed in --help; precedence is
// flag > environment > fn.yaml > default. Run as users run fn: bin/run.js, no cluster needed.
import {describe, expect, test} from '@jest/globals';
import {appendFile, mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseAllDocuments} from 'yaml';
import {runFn, expectExit} from '../support/cli.js';

const IMAGE = `127.0.0.1:5000/team/hello@sha256:${'e5'.repeat(32)}`;
const manifest = JSON.parse(await readFile(join(process.cwd(), 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, {env?: string}>}>};

describe('FN_<FLAG> for every flag', () => {
  test('every command flag but --json has its variable, FN_ and the flag name in capitals', () => {
    const missing: string[] = [];
    for (const [id, command] of Object.entries(manifest.commands)) {
      if (id === 'help' || id.startsWith('autocomplete')) continue; // plugins' commands
      for (const [name, flag] of Object.entries(command.flags)) {
        if (name === 'json') continue;
        const want = `FN_${name.toUpperCase().replace(/-/g, '_')}`;
        if (flag.env !== want) missing.push(`fn ${id} --${name}: ${flag.env ?? 'none'} (want ${want})`);
      }
    }
    expect(Object.keys(manifest.commands).length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  test('--help lists them', async () => {
    const r = await runFn(['deploy', '--help']);
    expect(r.stdout).toMatch(/--registry=<value>[\s\S]*env: FN_REGISTRY/);
    expect(r.stdout).toContain('env: FN_NO_TRAFFIC');
  });

  test('namespace: flag > FN_NAMESPACE > fn.yaml > none', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'fn-flag-env-')), 'hello');
    expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
    const namespaceOf = async (args: string[], env: Record<string, string> = {}) => {
      const r = await runFn(['manifests', '--path', dir, '--image', IMAGE, ...args], {env: {KUBECONFIG: '/nonexistent', ...env}});
      expectExit(r, 0);
      return parseAllDocuments(r.stdout)[0].toJS().metadata.namespace;
    };
    expect(await namespaceOf([])).toBeUndefined();
    await appendFile(join(dir, 'fn.yaml'), 'namespace: from-yaml\n');
    expect(await namespaceOf([])).toBe('from-yaml');
    expect(await namespaceOf([], {FN_NAMESPACE: 'from-env'})).toBe('from-env');
    expect(await namespaceOf(['-n', 'from-flag'], {FN_NAMESPACE: 'from-env'})).toBe('from-flag');
  }, 60_000);

  test('a bad value from the environment is refused like the flag, naming it', async () => {
    const r = await runFn(['deploy', '--json'], {env: {KUBECONFIG: '/nonexistent', FN_TIMEOUT: '300'}});
    expectExit(r, 2);
    expect(JSON.parse(r.stdout).error.message).toContain('--timeout "300" is not a duration');
  });

  test('a variable yields to an exclusive flag typed on the command line; two exclusive variables are refused', async () => {
    const noCluster = {KUBECONFIG: '/nonexistent'};
    // FN_REGISTRY for the pipeline, --image in this step: the image wins (then no cluster: exit 7).
    const dir = join(await mkdtemp(join(tmpdir(), 'fn-flag-env-')), 'hello');
    expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
    const step = await runFn(['deploy', '--path', dir, '--image', IMAGE, '--json'], {env: {...noCluster, FN_REGISTRY: '127.0.0.1:5000/team'}});
    expect([step.exitCode, JSON.parse(step.stdout).error.code]).toEqual([7, 'NO_KUBECONFIG']);
    const all = await runFn(['list', '-A', '--json'], {env: {...noCluster, FN_NAMESPACE: 'team'}});
    expectExit(all, 7);
    const both = await runFn(['list', '--json'], {env: {...noCluster, FN_NAMESPACE: 'team', FN_ALL_NAMESPACES: 'true'}});
    expectExit(both, 2);
    expect(both.stdout).toContain('cannot also be provided when using --all-namespaces');
  });

  test('a boolean and a choice from the environment: FN_RUNTIME, FN_FORCE', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'fn-flag-env-')), 'py');
    expect((await runFn(['init', dir], {env: {FN_RUNTIME: 'python'}})).exitCode).toBe(0);
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toContain('runtime: python');
    expect((await runFn(['init', dir, '--runtime', 'python'])).exitCode).toBe(3);
    expect((await runFn(['init', dir, '--runtime', 'python'], {env: {FN_FORCE: 'true'}})).exitCode).toBe(0);
  }, 60_000);
});
