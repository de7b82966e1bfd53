// A function project for e2e tests that deploy real images: `fn init`, then fn.yaml pointed at the
// test registry and the locally built base images (deploy-build, invoke-remote, deploy-failures and logs tests use it).
import {expect} from '@jest/globals';
import {appendFile, mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn} from './cli.js';
import {dockerTestEnv, testImages} from './docker-env.js';
import {clusterEnv} from './knative-env.js';

/** fn's environment for the test cluster and engine; FN_INGRESS unset so discovery is what runs. */
export function clusterFnEnv(extra: Record<string, string> = {}): Record<string, string> {
  const docker = dockerTestEnv();
  return clusterEnv({DOCKER_HOST: docker.DOCKER_HOST, NODE_EXTRA_CA_CERTS: docker.NODE_EXTRA_CA_CERTS, FN_INGRESS: '', ...extra});
}

export async function initFunction(name: string, runtime: string, template = 'http', extraYaml = ''): Promise<string> {
  const docker = dockerTestEnv();
  const images = testImages(runtime);
  const dir = join(await mkdtemp(join(tmpdir(), `fn-e2e-${name}-`)), name);
  const init = await runFn(['init', dir, '--runtime', runtime, '--template', template]);
  expect(init.exitCode).toBe(0);
  await appendFile(join(dir, 'fn.yaml'), `registry: ${docker.FN_TEST_REGISTRY}/e2e\nbuild:\n  baseImage: ${images.base}\n  builderImage: ${images.builder}\n${extraYaml}`);
  return dir;
}
