// fn's GitHub Action, its fn step run as the runner runs it: action/run.sh with each input handed over
// the way action.yml's env maps it (defaults from action.yml), $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY and
// $RUNNER_TEMP set, no KUBECONFIG but the kubeconfig input, against the local Knative cluster and the
// test registry. A pull request's preview (tag pr-7, no traffic), the branch's deploy, then a rollout from
// source: the step outputs action.yml maps are what Knative reports, and the private
// folder with the kubeconfig and the Docker login is gone afterwards.
// Needs `npm run build`, test/cluster/up.sh and test/env/docker-up.sh.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {execa} from 'execa';
import {readdirSync, readFileSync} from 'node:fs';
import {appendFile, mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {basename, dirname, join} from 'node:path';
import {parse} from 'yaml';
import {clusterFnEnv, initFunction} from '../support/function-project.js';
import {DOMAIN, kubeconfigPath, TestCluster} from '../support/knative-env.js';
import {expectExit} from '../support/cli.js';

const TIMEOUT = 300_000;
const root = process.cwd();
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8'));
const fnStep = action.runs.steps.find((s: any) => s.id === 'fn');

/** The environment the runner gives the fn step for these inputs: action.yml's env map, evaluated. */
function stepEnv(inputs: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(inputs)) if (!(name in action.inputs)) throw new Error(`action.yml has no input ${name}`);
  return Object.fromEntries(
    Object.entries<string>(fnStep.env).map(([variable, expression]) => {
      const name = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(expression)![1];
      return [variable, inputs[name] ?? String(action.inputs[name].default ?? '')];
    }),
  );
}

/** Step outputs as the runner reads $GITHUB_OUTPUT (name=value lines). */
const outputs = (text: string) => Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe("fn's action against the local cluster", () => {
  const cluster = new TestCluster();
  let ns: string;
  let dir: string;
  let runnerTemp: string;

  beforeAll(async () => {
    ns = await cluster.namespace('fn-ci-action');
    dir = await initFunction('hello', 'node');
    runnerTemp = await mkdtemp(join(tmpdir(), 'fn-runner-temp-'));
  }, TIMEOUT);
  afterAll(() => cluster.cleanup());

  /** The step with these inputs (fn's waits bounded by timeout 100s, so a stuck cluster fails with fn's reason, within the test's time). */
  async function runStep(inputs: Record<string, string>) {
    const files = await mkdtemp(join(tmpdir(), 'fn-step-'));
    const output = join(files, 'output');
    const summary = join(files, 'summary');
    await writeFile(output, '');
    const r = await execa('bash', [join(root, 'action/run.sh')], {
      cwd: dirname(dir), // the workspace: path is relative to it
      reject: false,
      stdin: 'ignore',
      extendEnv: false,
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME!,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        RUNNER_TEMP: runnerTemp,
        ...clusterFnEnv(),
        KUBECONFIG: '',
        ...stepEnv({path: basename(dir), namespace: ns, kubeconfig: readFileSync(kubeconfigPath(), 'utf8'), 'registry-username': 'ci', 'registry-password': 'not-checked-by-the-open-registry', timeout: '100s', ...inputs}),
      },
    });
    return {...r, outputs: outputs(await readFile(output, 'utf8')), summary: await readFile(summary, 'utf8').catch(() => '')};
  }

  test('a pull request: fn deploy --tag pr-7 --no-traffic, and the outputs action.yml maps', async () => {
    expect((await runStep({})).exitCode).toBe(0);
    const serving = (await cluster.get('services', ns, 'hello'))?.status?.latestReadyRevisionName;
    await appendFile(join(dir, 'index.js'), '\n// pr-7\n');
    const r = await runStep({tag: 'pr-7', 'no-traffic': 'true'});
    expect({exit: r.exitCode, stdout: r.stdout, stderr: r.stderr}).toMatchObject({exit: 0});
    const svc = await cluster.get('services', ns, 'hello');
    const tagged = svc?.status?.traffic?.find((t: any) => t.tag === 'pr-7');
    expect(tagged?.url).toBe(`http://pr-7-hello.${ns}.${DOMAIN}`);
    expect(tagged.percent).toBe(0);
    expect((svc?.status?.traffic ?? []).filter((t: any) => t.percent > 0)).toEqual([expect.objectContaining({revisionName: serving, percent: 100})]);
    expect(r.outputs).toMatchObject({
      service: 'hello',
      namespace: ns,
      url: `http://hello.${ns}.${DOMAIN}`,
      revision: tagged.revisionName,
      'tag-url': tagged.url,
      'tag-urls': JSON.stringify({'pr-7': tagged.url}),
    });
    expect(r.outputs.image).toMatch(/\/e2e\/hello@sha256:[0-9a-f]{64}$/);
    // Every output action.yml declares is one the step wrote.
    for (const [name, output] of Object.entries<any>(action.outputs)) expect({name, value: r.outputs[/outputs\.([\w-]+)/.exec(output.value)![1]]}).toEqual({name, value: expect.any(String)});
    expect(r.summary).toContain('### fn deploy');
    expect(r.stdout).toContain('Logged in to ');
    expect(readdirSync(runnerTemp)).toEqual([]);
  }, TIMEOUT);

  test('the branch after a preview: the new revision takes all the traffic, the preview keeps its tag', async () => {
    // The preview pinned the split (its revision at 0% by name); a plain fn deploy would keep that.
    await appendFile(join(dir, 'index.js'), '\n// main\n');
    const r = await runStep({'all-traffic': 'true'});
    expect({exit: r.exitCode, stdout: r.stdout, stderr: r.stderr}).toMatchObject({exit: 0});
    const svc = await cluster.get('services', ns, 'hello');
    const routed = (svc?.status?.traffic ?? []).filter((t: any) => t.percent > 0);
    expect(routed).toEqual([expect.objectContaining({revisionName: r.outputs.revision, percent: 100})]);
    expect(svc?.status?.traffic?.find((t: any) => t.tag === 'pr-7')?.percent).toBe(0);
  }, TIMEOUT);

  test('the branch with rollout-steps: fn rollout from source to 100%', async () => {
    await appendFile(join(dir, 'index.js'), '\n// v2\n');
    const r = await runStep({'rollout-steps': '50,100', 'rollout-interval': '1s', 'rollout-requests': '5', 'rollout-max-p95': '2s'});
    expect({exit: r.exitCode, stdout: r.stdout, stderr: r.stderr}).toMatchObject({exit: 0});
    const pushed = JSON.parse(await readFile(join(dir, '.fn/build.json'), 'utf8')).reference;
    const svc = await cluster.get('services', ns, 'hello');
    const routed = (svc?.status?.traffic ?? []).filter((t: any) => t.percent > 0);
    expect(routed).toEqual([expect.objectContaining({revisionName: r.outputs.revision, percent: 100})]);
    expect(r.outputs.image).toBe(pushed);
    expect(r.outputs.url).toBe(`http://hello.${ns}.${DOMAIN}`);
    expect(r.summary).toContain('### fn rollout');
    expect(readdirSync(runnerTemp)).toEqual([]);
  }, TIMEOUT);

  test('inputs that make no sense stop the step before fn runs, as a GitHub error annotation', async () => {
    const maybe = await runStep({'no-traffic': 'maybe'});
    expectExit(maybe, 2);
    expect(maybe.stdout).toContain('::error title=fn action::no-traffic must be true or false, not "maybe"');
    const half = await runStep({'registry-password': ''});
    expectExit(half, 2);
    expect(half.stdout).toContain('registry-username and registry-password go together');
    const both = await runStep({'rollout-steps': '100', 'no-traffic': 'true'});
    expectExit(both, 2);
    expect(both.stdout).toContain('no-traffic does not go with rollout-steps');
    const rolledAll = await runStep({'rollout-steps': '100', 'all-traffic': 'true'});
    expectExit(rolledAll, 2);
    expect(rolledAll.stdout).toContain('all-traffic does not go with rollout-steps');
    // fn's own check: --no-traffic and --all-traffic exclude each other (fn deploy says so, exit 2).
    const contradiction = await runStep({'no-traffic': 'true', 'all-traffic': 'true'});
    expectExit(contradiction, 2);
    const notKube = await runStep({kubeconfig: 'bm90IGEga3ViZWNvbmZpZw==', tag: 'pr-8'});
    expectExit(notKube, 7);
    expect(readdirSync(runnerTemp)).toEqual([]);
  }, TIMEOUT);
});
