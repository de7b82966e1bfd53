// Credentials in the function folder stay out of the image a real `fn build` makes, unless .fnignore
// re-includes one on purpose (then it ships, with a warning). Needs `npm run build` and the Docker engine.
import {beforeAll, describe, expect, jest, test} from '@jest/globals';
import {mkdir, mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson} from '../support/cli.js';
import {dockerTestEnv, fnEnv, testImages} from '../support/docker-env.js';
import {filesIn} from '../support/image-files.js';

jest.setTimeout(600_000);

const SECRETS = ['.git-credentials', 'kubeconfig', '.kube/config', 'credentials.json', 'deploy/secrets.yaml', 'secrets.yaml', '.envrc', 'terraform.tfstate'];

describe('fn build and credential files', () => {
  let dir: string;
  let args: string[];

  beforeAll(async () => {
    const env = dockerTestEnv();
    dir = join(await mkdtemp(join(tmpdir(), 'fn-secrets-')), 'secrets-node');
    expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
    for (const file of SECRETS) {
      await mkdir(join(dir, file, '..'), {recursive: true});
      await writeFile(join(dir, file), 'token=do-not-ship');
    }
    await writeFile(join(dir, 'secrets.ts'), '// source code, not a secret\n');
    const images = testImages('node');
    args = ['build', '--path', dir, '--image', `${env.FN_TEST_REGISTRY}/it/secrets-node:dev`, '--base-image', images.base, '--builder-image', images.builder];
  });

  test('none of them is in the image', async () => {
    const built = await runFnJson(args, {env: fnEnv()});
    expect({exit: built.exitCode, stderr: built.stderr}).toMatchObject({exit: 0});
    const files = await filesIn(built.json.imageId);
    expect(files).toEqual(expect.arrayContaining(['/function/index.js', '/function/secrets.ts']));
    for (const secret of SECRETS) expect(files).not.toContain(`/function/${secret}`);
    expect(files).not.toContain('/function/.kube');
  });

  test('`!/secrets.yaml` in .fnignore ships that one file, with a warning on stderr', async () => {
    await writeFile(join(dir, '.fnignore'), '!/secrets.yaml\n');
    const built = await runFn(args, {env: fnEnv()});
    expect({exit: built.exitCode, stderr: built.stderr}).toMatchObject({exit: 0});
    expect(built.stderr).toContain('secrets.yaml goes into the image because .fnignore re-includes it (keys, credentials and secrets are otherwise never shipped)');
    const {imageId} = (await runFnJson(args, {env: fnEnv()})).json;
    const files = await filesIn(imageId);
    expect(files).toContain('/function/secrets.yaml');
    for (const secret of SECRETS.filter((s) => s !== 'secrets.yaml')) expect(files).not.toContain(`/function/${secret}`);
  });
});
