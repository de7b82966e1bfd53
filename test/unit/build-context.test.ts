// What goes into a build context, and when its hash changes.
import {describe, expect, test} from '@jest/globals';
import {chmod, mkdir, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {dockerignoreToGitignore, hashBuildInputs, listContext, listContextFiles, type BuildContext} from '../../src/core/build-context.js';
import {argDefault, renderDockerfile} from '../../src/core/dockerfile.js';
import {fromImages} from '../../src/core/build.js';
import {runtimesDir} from '../../src/paths.js';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fn-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), {recursive: true});
    await writeFile(join(dir, name), content);
  }
  return dir;
}

describe('listContextFiles', () => {
  test('never sends dependencies, VCS data, fn state or secrets', async () => {
    const dir = await project({
      'index.js': '', 'package.json': '{}', 'lib/a.js': '',
      'node_modules/x/index.js': '', 'lib/node_modules/y.js': '', '.git/config': '', '.fn/build.json': '',
      '.env': 'TOKEN=1', '.env.local': '', 'certs/server.pem': '', 'id_rsa': '', 'id_ed25519.pub': '', '.npmrc': '//r/:_authToken=x',
      '__pycache__/a.pyc': '',
    });
    expect(await listContextFiles(dir)).toEqual(['index.js', 'lib/a.js', 'package.json']);
  });

  test('never sends the usual credential files, at any depth', async () => {
    const secrets = [
      '.git-credentials', 'kubeconfig', 'deploy/kubeconfig', 'prod.kubeconfig', 'kubeconfig.yaml', '.kube/config',
      'credentials.json', 'config/application_default_credentials.json', 'service-account.json', 'secrets.yaml', 'k8s/secrets.yml', 'secret.yaml', 'secrets.json',
      '.envrc', '.netrc', '.pypirc', '.pgpass', '.my.cnf', '.vault-token', '.htpasswd', '.dockercfg', '.docker/config.json', '.aws/credentials',
      '.azure/accessTokens.json', '.config/gcloud/credentials.db', '.gnupg/private-keys-v1.d/k.key', 'keys/app.jks', 'release.keystore', 'putty.ppk',
      'terraform.tfstate', 'terraform.tfstate.backup',
    ];
    const dir = await project({'index.js': '', 'config/app.json': '{}', 'secrets.ts': '', ...Object.fromEntries(secrets.map((f) => [f, 'TOKEN']))});
    expect(await listContextFiles(dir)).toEqual(['config/app.json', 'index.js', 'secrets.ts']);
  });

  test('.fnignore re-includes a never-shipped file on purpose, and the listing says which', async () => {
    const dir = await project({
      'index.js': '', 'secrets.yaml': 'demo: not secret', 'deploy/secrets.yaml': 'real', '.env': 'A=1', '.npmrc': 'registry=https://npm.example.com',
      '.kube/config': 'x', '.fnignore': '/secrets.yaml\n!/secrets.yaml\n!.npmrc\n!.kube/\n',
    });
    const context = await listContext(dir);
    expect(context.files).toEqual(['.fnignore', '.kube/config', '.npmrc', 'index.js', 'secrets.yaml']);
    expect(context.reincluded).toEqual(['.kube/', '.npmrc', 'secrets.yaml']);
  });

  test('a negation in .dockerignore does not re-include a never-shipped file (only .fnignore does)', async () => {
    const dir = await project({'index.js': '', 'secrets.yaml': 'x', '.dockerignore': '*\n!index.js\n!*.yaml\n'});
    expect(await listContext(dir)).toEqual({files: ['index.js'], reincluded: []});
  });

  test('.dockerignore is anchored at the root; .fnignore is gitignore syntax', async () => {
    const dir = await project({
      '.dockerignore': '# comment\ndocs\n/tmp/*.log\n**/*.bak\n!docs/keep.md\n', '.fnignore': 'fixtures/\n',
      'docs/a.md': '', 'src/docs/b.md': '', 'tmp/x.log': '', 'tmp/y.txt': '', 'a.bak': '', 'src/b.bak': '',
      'test/fixtures/big.json': '', 'fixtures/c.json': '', 'index.js': '',
    });
    expect(await listContextFiles(dir)).toEqual(['.dockerignore', '.fnignore', 'index.js', 'src/docs/b.md', 'tmp/y.txt']);
  });

  test('dockerignoreToGitignore anchors and keeps negations', () => {
    expect(dockerignoreToGitignore('a\n./b/c\n/d\n!e\n\n# x\n**/f')).toEqual(['/a', '/b/c', '/d', '!/e', '/**/f']);
  });
});

describe('hashBuildInputs', () => {
  const contextOf = async (dir: string): Promise<BuildContext> => ({
    sources: [{root: dir, prefix: '', files: await listContextFiles(dir)}],
    generated: [{name: '.fn-invoker/Dockerfile', content: 'FROM x'}],
    dockerfile: '.fn-invoker/Dockerfile',
  });

  test('changes with content, exec bit, generated files and build args; not with ignored files', async () => {
    const dir = await project({'index.js': 'a', 'node_modules/x.js': '1'});
    const base = await hashBuildInputs(await contextOf(dir), {buildArgs: {A: '1'}});
    expect(await hashBuildInputs(await contextOf(dir), {buildArgs: {A: '1'}})).toBe(base);
    await writeFile(join(dir, 'node_modules/x.js'), '2');
    expect(await hashBuildInputs(await contextOf(dir), {buildArgs: {A: '1'}})).toBe(base);
    expect(await hashBuildInputs(await contextOf(dir), {buildArgs: {A: '2'}})).not.toBe(base);
    const ctx = await contextOf(dir);
    ctx.generated[0].content = 'FROM y';
    expect(await hashBuildInputs(ctx, {buildArgs: {A: '1'}})).not.toBe(base);
    await chmod(join(dir, 'index.js'), 0o755);
    const executable = await hashBuildInputs(await contextOf(dir), {buildArgs: {A: '1'}});
    expect(executable).not.toBe(base);
    await writeFile(join(dir, 'index.js'), 'b');
    expect(await hashBuildInputs(await contextOf(dir), {buildArgs: {A: '1'}})).not.toBe(executable);
  });
});

describe('Dockerfile templates', () => {
  const template = 'ARG BUILDER_IMAGE=node:20-slim\nARG BASE_IMAGE=node:20-slim\nFROM ${BUILDER_IMAGE} AS deps\nARG TEMPLATE=http\n';

  test('renderDockerfile fills the ARG defaults it is given', () => {
    const text = renderDockerfile(template, {baseImage: '127.0.0.1:5000/n:20', template: 'cloudevents'});
    expect(argDefault(text, 'BASE_IMAGE')).toBe('127.0.0.1:5000/n:20');
    expect(argDefault(text, 'BUILDER_IMAGE')).toBe('node:20-slim');
    expect(argDefault(text, 'TEMPLATE')).toBe('cloudevents');
  });

  test('every stage\'s ARG line gets the default, not only the first (python and go declare TEMPLATE twice)', async () => {
    for (const runtime of ['node', 'typescript', 'python', 'go']) {
      const text = renderDockerfile(await readFile(join(runtimesDir, runtime, 'Dockerfile'), 'utf8'), {template: 'cloudevents'});
      expect({runtime, stale: text.match(/^ARG TEMPLATE=http$/gm)}).toEqual({runtime, stale: null});
      expect(text).toMatch(/^ARG TEMPLATE=cloudevents$/m);
    }
  });

  test('fromImages lists pulled images, not stages or unresolved args', () => {
    expect(fromImages('FROM golang:1.23 AS build\nFROM build AS test\nFROM --platform=linux/amd64 gcr.io/distroless/static\nFROM ${X}\nFROM scratch')).toEqual([
      'golang:1.23',
      'gcr.io/distroless/static',
    ]);
  });
});
