// The full path with the real Docker engine and registry (test/env/docker-up.sh) and the real
// control plane (test/cluster/up.sh): init → fn deploy builds, pushes and deploys the digest.
import {afterAll, beforeAll, expect, test} from '@jest/globals';
import {mkdtemp, readFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv} from '../support/docker-env.js';
import {initFunction} from '../support/function-project.js';
import {clusterEnv, TestCluster} from '../support/knative-env.js';

const TIMEOUT = 600_000;
const cluster = new TestCluster();
let ns: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-build');
});
afterAll(() => cluster.cleanup());

test('init → build → push → deploy: the revision runs the pushed digest', async () => {
  const docker = dockerTestEnv();
  const dir = await initFunction('shipit', 'node');
  const env = clusterEnv({DOCKER_HOST: docker.DOCKER_HOST, NODE_EXTRA_CA_CERTS: docker.NODE_EXTRA_CA_CERTS});

  // As a GitHub Actions step: the results go to the step outputs and the job summary too.
  const github = await mkdtemp(join(tmpdir(), 'fn-gh-'));
  const outputs = join(github, 'output');
  const summary = join(github, 'summary');
  const r = await runFnJson(['deploy', '--path', dir, '-n', ns], {env: {...env, GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary}});
  expectExit(r, 0);
  expect(await readFile(outputs, 'utf8')).toBe(
    [`service=shipit`, `namespace=${ns}`, `url=${r.json.url}`, `revision=${r.json.revision}`, `image=${r.json.image}`, `traffic=@latest 100%`, ''].join('\n'),
  );
  expect(await readFile(summary, 'utf8')).toContain(`| \`shipit\` | ${ns} | [${r.json.url}](${r.json.url}) | ${r.json.revision} |`);
  const record = JSON.parse(await readFile(join(dir, '.fn', 'build.json'), 'utf8'));
  expect(record.reference).toMatch(new RegExp(`^${docker.FN_TEST_REGISTRY.replace('.', '\\.')}/e2e/shipit@sha256:[0-9a-f]{64}$`));
  expect(r.json).toMatchObject({service: 'shipit', image: record.reference, ready: true, newRevision: true});
  const revision = await cluster.get('revisions', ns, r.json.revision);
  expect(revision?.spec.containers[0].image).toBe(record.reference);

  // Nothing changed: the build is skipped and no new revision is made.
  const again = await runFnJson(['deploy', '--path', dir, '-n', ns], {env});
  expectExit(again, 0);
  expect(again.json).toMatchObject({revision: r.json.revision, newRevision: false});
}, TIMEOUT);
