// fn.yaml values and flags that the API server would refuse (or that would hang or crash fn) are exit 2
// naming the field, before any cluster, engine or file is touched: no kubeconfig exists here, the
// Docker host is a socket nobody listens on, and `fn manifests -o` must write nothing. Needs `npm run build`.
import {describe, expect, test} from '@jest/globals';
import {appendFile, mkdtemp, readdir, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';

const IMAGE = `127.0.0.1:5000/team/hello@sha256:${'e5'.repeat(32)}`;
/** Nothing is reachable: a cluster or engine contacted would be exit 7 or 4, not 2. */
const NOWHERE = {KUBECONFIG: '/nonexistent/kubeconfig', DOCKER_HOST: 'unix:///nonexistent/docker.sock'};

async function fnDir(extraYaml = ''): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-bad-input-')), 'hello');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  if (extraYaml) await appendFile(join(dir, 'fn.yaml'), extraYaml);
  return dir;
}

describe('fn.yaml the API server would refuse', () => {
  test.each([
    ['two env entries of one name', 'env:\n  - {name: A, value: "1"}\n  - {name: A, value: "2"}\n', 'DUPLICATE_ENV', /fn\.yaml:7:12: env\[1\]\.name "A" is already set by env\[0\]/],
    ['a memory that is no quantity', 'resources:\n  limits: {memory: lots}\n', 'INVALID_QUANTITY', /fn\.yaml:6:20: resources\.limits\.memory "lots" is not a Kubernetes quantity/],
    ['a request above its limit', 'resources:\n  requests: {memory: 512Mi}\n  limits: {memory: 256Mi}\n', 'REQUEST_ABOVE_LIMIT', /resources\.requests\.memory \(512Mi\) is above resources\.limits\.memory \(256Mi\)/],
    ['a label value with a space', 'labels: {team: web team}\n', 'INVALID_LABEL', /fn\.yaml:5:16: labels\.team value "web team"/],
    ['an annotation key with two slashes', 'annotations: {a/b/c: x}\n', 'INVALID_ANNOTATION', /fn\.yaml:5:15: annotations\["a\/b\/c"\] key "a\/b\/c" has more than one '\/'/],
    ['a namespace that is no DNS label', 'namespace: Bad_NS\n', 'INVALID_NAMESPACE', /fn\.yaml:5:12: namespace "Bad_NS" is not a valid namespace/],
  ])('%s: fn manifests -o writes nothing, fn build builds nothing, fn deploy contacts no cluster (exit 2)', async (_what, yaml, code, message) => {
    const dir = await fnDir(yaml);
    const out = join(dir, 'deploy');
    const commands = [
      ['manifests', '--path', dir, '--image', IMAGE, '-o', out],
      ['build', '--path', dir],
      ['deploy', '--path', dir, '--image', IMAGE],
    ];
    for (const args of commands) {
      const r = await runFnJson(args, {env: NOWHERE});
      expect({args, exit: r.exitCode, code: r.json.error?.code}).toEqual({args, exit: 2, code});
      expect(r.json.error.message).toMatch(message);
    }
    await expect(readdir(out)).rejects.toThrow();
  }, 120_000);

  test('--namespace that is no DNS label: exit 2 naming the flag, no `kubectl create namespace` advice', async () => {
    const dir = await fnDir();
    for (const args of [['deploy', '--path', dir, '--image', IMAGE], ['revisions', '--path', dir], ['manifests', '--path', dir, '--image', IMAGE]]) {
      const r = await runFn([...args, '-n', 'Bad_NS'], {env: NOWHERE});
      expect({args, exit: r.exitCode}).toEqual({args, exit: 2});
      // (Under jest, NODE_ENV=test makes oclif add a warning that the command did not parse.)
      expect(r.stderr).toMatch(/^Error: --namespace "Bad_NS" is not a valid namespace: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit\nTry: use --namespace bad-ns\n/);
      expect(r.stderr).not.toContain('kubectl');
    }
  }, 60_000);

  test('the light fn.yaml read of the cluster commands checks the namespace too', async () => {
    const dir = await fnDir('namespace: Bad_NS\n');
    const r = await runFn(['revisions', '--path', dir], {env: NOWHERE});
    expectExit(r, 2);
    expect(r.stderr).toContain(`${join(dir, 'fn.yaml')}:5:12: namespace "Bad_NS" is not a valid namespace`);
    expect(r.stderr).toContain(`Try: set "namespace: bad-ns" in ${join(dir, 'fn.yaml')}`);
  }, 60_000);
});

describe('hostile fn.yaml', () => {
  test('an alias bomb is exit 2 naming the file (was exit 1, a crash)', async () => {
    const rows = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (const [prev, next] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h']]) rows.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    const dir = await fnDir(`x:\n${rows.map((r) => `  ${r}\n`).join('')}`);
    for (const args of [['manifests', '--path', dir, '--image', IMAGE], ['revisions', '--path', dir]]) {
      const r = await runFn(args, {env: NOWHERE});
      expect({args, exit: r.exitCode}).toEqual({args, exit: 2});
      expect(r.stderr).toContain(`Error: ${join(dir, 'fn.yaml')}: Excessive alias count`);
    }
  }, 60_000);

  test('a file over 1 MiB is exit 2 naming the file and the limit, at once', async () => {
    const dir = await fnDir();
    const labels = Array.from({length: 150_000}, (_, i) => `  k${i}: v${i}\n`).join('');
    await writeFile(join(dir, 'fn.yaml'), `name: hello\nruntime: node\nlabels:\n${labels}`);
    for (const args of [['build', '--path', dir], ['revisions', '--path', dir]]) {
      const started = Date.now();
      const r = await runFn(args, {env: NOWHERE});
      expect({args, exit: r.exitCode}).toEqual({args, exit: 2});
      expect(r.stderr).toMatch(new RegExp(`^Error: ${join(dir, 'fn.yaml').replace(/[./]/g, '\\$&')} is \\d+ bytes; fn\\.yaml may be at most 1 MiB \\(1048576 bytes\\)`));
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  }, 60_000);
});
