// fn manifests: no cluster, deterministic bytes, one file per object with -o (for GitOps).
import {describe, expect, test} from '@jest/globals';
import {appendFile, mkdtemp, readdir, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseAllDocuments} from 'yaml';
import {runFn, runFnJson, expectExit} from '../support/cli.js';

const IMAGE = `127.0.0.1:5000/team/hello@sha256:${'e5'.repeat(32)}`;

async function fnDir(routing?: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-manifests-')), 'hello');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  if (routing) await appendFile(join(dir, 'fn.yaml'), `deploy:\n  routing: ${routing}\n`);
  return dir;
}

describe('fn manifests', () => {
  test('stdout: the same bytes every time, with no cluster at all', async () => {
    const dir = await fnDir();
    const env = {KUBECONFIG: '/nonexistent'};
    const a = await runFn(['manifests', '--path', dir, '--image', IMAGE, '-n', 'prod'], {env});
    const b = await runFn(['manifests', '--path', dir, '--image', IMAGE, '-n', 'prod'], {env});
    expectExit(a, 0);
    expect(a.stdout).toBe(b.stdout);
    const [service] = parseAllDocuments(a.stdout).map((d) => d.toJS());
    expect(service).toMatchObject({kind: 'Service', metadata: {name: 'hello', namespace: 'prod'}});
    expect(service.spec.template.spec.containers[0].image).toBe(IMAGE);
  }, 60_000);

  test('-o DIR writes one file per object; route mode writes a Configuration and a Route', async () => {
    const dir = await fnDir('route');
    const out = join(dir, 'deploy');
    const r = await runFnJson(['manifests', '--path', dir, '--image', IMAGE, '-o', out]);
    expectExit(r, 0);
    expect((await readdir(out)).sort()).toEqual(['configuration.yaml', 'route.yaml']);
    expect(await readFile(join(out, 'route.yaml'), 'utf8')).toContain('configurationName: hello');
  }, 60_000);

  test('no image: exit 8 pointing at fn build --push; a tag image: exit 2', async () => {
    const dir = await fnDir();
    const none = await runFn(['manifests', '--path', dir]);
    expectExit(none, 8);
    expect(none.stderr).toContain('fn build --push');
    const tagged = await runFn(['manifests', '--path', dir, '--image', 'nginx:1.27']);
    expectExit(tagged, 2);
  }, 60_000);
});
