// fn in CI pipelines, checked with the tools the platforms' users check them with:
// - actionlint (test/tools/actionlint/install.sh, which scripts/setup.sh runs) on the workflows
//   `fn ci github` writes, for several option sets, using the action from a local path (`uses: ./`):
//   actionlint then reads action.yml, checks its metadata and every input and output the workflow uses.
//   actionlint does not lint an action.yml by itself (rhysd/actionlint#46), so its steps are also linted
//   as the one job of a workflow_call workflow with the action's inputs and outputs: expressions,
//   contexts, the inputs of actions/setup-node, and shellcheck on every run: script.
// - SchemaStore's schemas for action.yml and workflows, and GitLab's own schema for .gitlab-ci.yml
//   (test/tools/ci-schemas/install.sh: vendored by the check-jsonschema wheel on PyPI).
// - the login both pipelines write (the action's action/docker-login.ts, run as dist/action-login.cjs; the GitLab jobs' shell) read back by
//   fn's credentials code and accepted by the real TLS + basic-auth registry; the GitLab kubeconfig step.
// - the command's file handling: exit 3 on an existing file, --force, --dry-run, --output, --json.
// Needs `npm run build`, Docker test env for the registry test (`bash test/env/docker-up.sh`).
import {afterAll, beforeAll, describe, expect, jest, test} from '@jest/globals';
import {Ajv} from 'ajv';
import addFormats from 'ajv-formats';
import {execa} from 'execa';
import {existsSync, readFileSync, statSync} from 'node:fs';
import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parse, stringify} from 'yaml';
import {credentialsFor} from '../../src/adapters/docker/credentials.js';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {dockerTestEnv, fnEnv, testImages} from '../support/docker-env.js';

jest.setTimeout(300_000);

const root = process.cwd();
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8'));

/** A tool an install script puts into fn's cache; missing → an error saying how to get it. */
async function installed(script: string): Promise<string> {
  const path = (await execa('bash', [join(root, script), '--print-path'])).stdout.trim();
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`bash ${script}\` (scripts/setup.sh does)`);
  return path;
}

async function shellcheck(): Promise<string> {
  const found = await execa('sh', ['-c', 'command -v shellcheck'], {reject: false});
  if (found.exitCode !== 0) throw new Error('shellcheck is missing (actionlint checks run: scripts with it): apt-get install shellcheck (scripts/setup.sh does)');
  return found.stdout.trim();
}

let actionlintBin: string;
let shellcheckBin: string;
let schemas: string;

/** actionlint on every workflow of the repository at `dir`: its findings, one a line ('' when none). */
async function actionlint(dir: string): Promise<string> {
  const r = await execa(actionlintBin, ['-no-color', '-shellcheck', shellcheckBin, '-pyflakes', ''], {cwd: dir, reject: false});
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`actionlint failed (exit ${r.exitCode}): ${r.stderr}`);
  return `${r.stdout}${r.stderr}`.trim();
}

/** A git repository with fn's action.yml at its root and a function in `functionDir`. */
async function repository(functionDir: string): Promise<{repo: string; fnDir: string}> {
  const repo = await mkdtemp(join(tmpdir(), 'fn-ci-'));
  const fnDir = join(repo, functionDir);
  expect((await runFn(['init', fnDir, '--runtime', 'node', '--name', 'hello'])).exitCode).toBe(0);
  await execa('git', ['init', '-q', repo]);
  await copyFile(join(root, 'action.yml'), join(repo, 'action.yml'));
  return {repo, fnDir};
}

/** The action's steps as the one job of a reusable workflow with the action's inputs and outputs. */
function actionAsWorkflow(meta: any): object {
  const inputs = Object.fromEntries(Object.entries<any>(meta.inputs).map(([k, v]) => [k, {description: v.description, type: 'string', required: Boolean(v.required), default: String(v.default ?? '')}]));
  const outputs = Object.fromEntries(Object.entries<any>(meta.outputs).map(([k, v]) => [k, {description: v.description, value: `\${{ jobs.action.outputs.${k} }}`}]));
  const jobOutputs = Object.fromEntries(Object.entries<any>(meta.outputs).map(([k, v]) => [k, v.value]));
  return {name: meta.name, on: {workflow_call: {inputs, outputs}}, jobs: {action: {'runs-on': 'ubuntu-latest', outputs: jobOutputs, steps: meta.runs.steps}}};
}

function validator(schemaFile: string) {
  const ajv = new Ajv({strict: false, allErrors: true});
  // ajv-formats' CommonJS default export, as test/support/result-schemas.ts calls it.
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(schemas, schemaFile), 'utf8')));
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e: {instancePath: string; message?: string}) => `${e.instancePath} ${e.message}`));
}

beforeAll(async () => {
  actionlintBin = await installed('test/tools/actionlint/install.sh');
  shellcheckBin = await shellcheck();
  schemas = await installed('test/tools/ci-schemas/install.sh');
});

const GITHUB_OPTION_SETS: Array<[string, string, string[]]> = [
  ['a function at the repository root, defaults', '.', []],
  ['a subfolder, registry, namespace, branch, own secret names', 'functions/hello', ['--registry', 'ghcr.io/acme', '--namespace', 'prod', '--branch', 'release/v2', '--kubeconfig-secret', 'PROD_KUBECONFIG', '--registry-username-secret', 'GHCR_USER', '--registry-password-secret', 'GHCR_TOKEN']],
  ['a rollout with interval, check and registry server', 'svc', ['--registry', 'registry.example.com:5000/team', '--registry-server', 'registry.example.com:5000', '--rollout-steps', '10,50,100', '--rollout-interval', '1m30s', '--rollout-check', '/health']],
];

describe('GitHub: actionlint and the schemas', () => {
  test.each(GITHUB_OPTION_SETS)('fn ci github, %s: actionlint finds nothing, with the action read from action.yml', async (_what, functionDir, flags) => {
    const {repo, fnDir} = await repository(functionDir);
    if (!flags.includes('--registry')) await writeFile(join(fnDir, 'fn.yaml'), `${await readFile(join(fnDir, 'fn.yaml'), 'utf8')}registry: ghcr.io/acme\n`);
    const r = await runFn(['ci', 'github', '--path', fnDir, '--action', './', ...flags]);
    expect({exit: r.exitCode, stderr: r.stderr}).toEqual({exit: 0, stderr: ''});
    const file = join(repo, '.github/workflows/fn.yml');
    expect(await actionlint(repo)).toBe('');
    expect(validator('github-workflows.json')(parse(await readFile(file, 'utf8')))).toEqual([]);
    // The same workflow calling the published action (the form users get) lints too.
    expect((await runFn(['ci', 'github', '--path', fnDir, '--action', 'acme/fn@v1', '--force', ...flags])).exitCode).toBe(0);
    expect(await actionlint(repo)).toBe('');
  });

  test('actionlint bites: an input the action does not have, an output it does not give', async () => {
    const {repo, fnDir} = await repository('.');
    expect((await runFn(['ci', 'github', '--path', fnDir, '--action', './', '--registry', 'ghcr.io/acme'])).exitCode).toBe(0);
    const file = join(repo, '.github/workflows/fn.yml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('no-traffic: true', 'no-trafic: true').replace('outputs.tag-url }}', 'outputs.tag-link }}'));
    const found = await actionlint(repo);
    expect(found).toContain('input "no-trafic" is not defined in action "fn deploy"');
    expect(found).toContain('property "tag-link" is not defined');
  });

  test("action.yml's steps: expressions, contexts, setup-node's inputs and shellcheck on each script", async () => {
    const repo = await mkdtemp(join(tmpdir(), 'fn-ci-action-'));
    await execa('git', ['init', '-q', repo]);
    await mkdir(join(repo, '.github/workflows'), {recursive: true});
    const file = join(repo, '.github/workflows/action.yml');
    await writeFile(file, stringify(actionAsWorkflow(action)));
    expect(await actionlint(repo)).toBe('');
    // It bites: an input that does not exist, an unquoted variable in a script.
    const broken = structuredClone(action);
    broken.runs.steps[2].env.INPUT_PATH = '${{ inputs.folder }}';
    broken.runs.steps[1].run = 'cd $GITHUB_ACTION_PATH && npm ci';
    await writeFile(file, stringify(actionAsWorkflow(broken)));
    const found = await actionlint(repo);
    expect(found).toContain('property "folder" is not defined');
    expect(found).toContain('SC2086');
  });

  test("action.yml: SchemaStore's schema, a shell on every step, and every input handed to run.sh exactly once", async () => {
    expect(validator('github-actions.json')(action)).toEqual([]);
    expect(validator('github-actions.json')({...action, runs: {...action.runs, using: 'compost'}})).not.toEqual([]);
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) if (step.run) expect(step.shell).toBe('bash');
    const fnStep = action.runs.steps.find((s: any) => s.id === 'fn');
    const expected = Object.fromEntries(Object.keys(action.inputs).map((name) => [`INPUT_${name.toUpperCase().replace(/-/g, '_')}`, `\${{ inputs.${name} }}`]));
    expect(fnStep.env).toEqual(expected);
    // Each is read by run.sh, or by action/docker-login.ts (registry-server only matters for the login).
    const run = await readFile(join(root, 'action/run.sh'), 'utf8');
    const login = await readFile(join(root, 'action/docker-login.ts'), 'utf8');
    const unread = Object.keys(expected).filter((v) => !run.includes(`\${${v}`) && !login.includes(`input('${v.replace(/^INPUT_/, '')}')`));
    expect(unread).toEqual([]);
    for (const [name, output] of Object.entries<any>(action.outputs)) expect(output.value).toBe(`\${{ steps.fn.outputs.${name} }}`);
  });
});

const GITLAB_OPTION_SETS: Array<[string, string, string[]]> = [
  ['defaults', '.', ['--registry', 'registry.gitlab.com/acme/hello']],
  ['a subfolder, namespace, branch, GitLab registry variables, fn source', 'functions/hello', ['--registry', 'registry.gitlab.com/acme', '--namespace', 'prod', '--branch', 'release/v2', '--registry-username-secret', 'CI_REGISTRY_USER', '--registry-password-secret', 'CI_REGISTRY_PASSWORD', '--fn-source', 'https://gitlab.example.com/tools/fn.git#v1']],
  ['a rollout, the registry from fn.yaml', 'svc', ['--rollout-steps', '5,25,50,100', '--rollout-interval', '30s', '--rollout-check', '/']],
];

describe("GitLab: GitLab's schema for .gitlab-ci.yml", () => {
  test.each(GITLAB_OPTION_SETS)('fn ci gitlab, %s: valid, with the preview and deploy jobs and their rules', async (_what, functionDir, flags) => {
    const {repo, fnDir} = await repository(functionDir);
    if (!flags.includes('--registry')) await writeFile(join(fnDir, 'fn.yaml'), `${await readFile(join(fnDir, 'fn.yaml'), 'utf8')}registry: registry.gitlab.com/acme\n`);
    const r = await runFn(['ci', 'gitlab', '--path', fnDir, ...flags]);
    expectExit(r, 0);
    const doc = parse(await readFile(join(repo, '.gitlab-ci.yml'), 'utf8'));
    expect(validator('gitlab-ci.json')(doc)).toEqual([]);
    expect(doc.stages).toEqual(['preview', 'deploy']);
    expect(doc.preview.rules[0].if).toBe('$CI_PIPELINE_SOURCE == "merge_request_event"');
    expect(doc.deploy.rules[0].if).toMatch(/^\$CI_COMMIT_BRANCH == "(main|release\/v2)"$/);
    expect(doc.variables.FN_PATH).toBe(functionDir);
    expect(doc['.fn'].before_script[3]).toContain(" registry.gitlab.com \"$(printf '%s:%s' ");
  });

  test('the schema bites: a misspelt job key, a script that is no list of strings', () => {
    const validate = validator('gitlab-ci.json');
    expect(validate({stages: ['deploy'], deploy: {stage: 'deploy', script: ['fn deploy'], rulez: [{if: '$CI'}]}})).not.toEqual([]);
    expect(validate({stages: ['deploy'], deploy: {stage: 'deploy', script: [{fn: 'deploy'}]}})).not.toEqual([]);
  });
});

describe('the pipeline file', () => {
  let repo: string;
  let fnDir: string;
  beforeAll(async () => ({repo, fnDir} = await repository('hello')));
  const file = () => join(repo, '.github/workflows/fn.yml');

  test('--dry-run prints it and writes nothing; --json gives the file, the secrets and the content', async () => {
    const dry = await runFn(['ci', 'github', '--path', fnDir, '--registry', 'ghcr.io/acme', '--dry-run']);
    expectExit(dry, 0);
    expect(parse(dry.stdout).jobs.preview).toBeDefined();
    expect(dry.stderr).toContain('YOUR_ORG/fn@main, a placeholder');
    expect(existsSync(file())).toBe(false);
    const json = await runFnJson(['ci', 'github', '--path', fnDir, '--registry', 'ghcr.io/acme', '--dry-run']);
    expect({...json.json, content: json.json.content.trimEnd()}).toEqual({file: file(), written: false, secrets: ['KUBECONFIG', 'REGISTRY_USERNAME', 'REGISTRY_PASSWORD'], content: dry.stdout});
  });

  test('writes it at the repository root; an existing file is exit 3 and stays as it was; --force replaces it', async () => {
    const first = await runFn(['ci', 'github', '--path', fnDir, '--registry', 'ghcr.io/acme', '--action', 'acme/fn@v1']);
    expectExit(first, 0);
    const written = await readFile(file(), 'utf8');
    expect(parse(written).jobs.preview.steps[1].with.path).toBe('hello');
    const again = await runFnJson(['ci', 'github', '--path', fnDir, '--registry', 'ghcr.io/other', '--action', 'acme/fn@v1']);
    expectExit(again, 3);
    expect(again.json.error).toMatchObject({code: 'WOULD_OVERWRITE', message: `${file()} already exists`});
    expect(await readFile(file(), 'utf8')).toBe(written);
    const forced = await runFn(['ci', 'github', '--path', fnDir, '--registry', 'ghcr.io/other', '--action', 'acme/fn@v1', '--force']);
    expectExit(forced, 0);
    expect(parse(await readFile(file(), 'utf8')).jobs.deploy.steps[1].with.registry).toBe('ghcr.io/other');
    expect((await execa('ls', ['-a', join(repo, '.github/workflows')])).stdout.split('\n').filter((f) => !f.startsWith('.'))).toEqual(['fn.yml']);
  });

  test('--output writes elsewhere; the GitLab file too', async () => {
    const out = join(repo, 'ci', 'fn.gitlab-ci.yml');
    const r = await runFn(['ci', 'gitlab', '--path', fnDir, '--registry', 'ghcr.io/acme', '--output', out]);
    expectExit(r, 0);
    expect(parse(await readFile(out, 'utf8')).preview.rules[0].changes).toEqual(['hello/**/*', 'ci/fn.gitlab-ci.yml']);
    expect(existsSync(join(repo, '.gitlab-ci.yml'))).toBe(false);
  });

  test('fn ci lists the two (and names them in --json)', async () => {
    const r = await runFn(['ci']);
    expectExit(r, 0);
    expect(r.stdout).toMatch(/ci github +Write a GitHub Actions workflow/);
    expect(r.stdout).toMatch(/ci gitlab +Write a GitLab CI\/CD pipeline/);
    expect((await runFnJson(['ci'])).json.commands.map((c: {command: string}) => c.command)).toEqual(['fn ci github', 'fn ci gitlab']);
  });

  test('no registry known is exit 2 before anything is written (FN_REGISTRY is --registry); no function is exit 8', async () => {
    const viaEnv = await runFn(['ci', 'gitlab', '--path', fnDir, '--dry-run'], {env: {FN_REGISTRY: 'ghcr.io/from-env'}});
    expectExit(viaEnv, 0);
    expect(parse(viaEnv.stdout).deploy.script[0]).toContain('--registry ghcr.io/from-env');
    const r = await runFnJson(['ci', 'gitlab', '--path', fnDir], {env: {FN_REGISTRY: ''}});
    expectExit(r, 2);
    expect(r.json.error).toMatchObject({code: 'NO_REGISTRY', message: 'the pipeline has no registry to push hello to'});
    expect(existsSync(join(repo, '.gitlab-ci.yml'))).toBe(false);
    expect((await runFn(['ci', 'github', '--path', repo, '--registry', 'ghcr.io/acme'])).exitCode).toBe(8);
    const bad = await runFnJson(['ci', 'github', '--path', fnDir, '--registry', 'ghcr.io/acme', '--kubeconfig-secret', 'MY-KUBE']);
    expectExit(bad, 2);
    expect(bad.json.error.code).toBe('INVALID_SECRET_NAME');
  });
});

describe('the registry login both pipelines write: read back by fn, accepted by the TLS registry with basic auth', () => {
  let work: string;
  const saved = process.env.DOCKER_CONFIG;
  beforeAll(async () => (work = await mkdtemp(join(tmpdir(), 'fn-ci-login-'))));
  afterAll(async () => {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
    await rm(work, {recursive: true, force: true});
  });

  async function readBack(dockerConfig: string, registry: string) {
    process.env.DOCKER_CONFIG = dockerConfig;
    return credentialsFor(registry);
  }

  test("the action's login (action/docker-login.ts, run as dist/action-login.cjs): merged into a copy of the runner's config, this registry's helper dropped, mode 600", async () => {
    const fnDir = join(work, 'hello');
    expect((await runFn(['init', fnDir, '--runtime', 'node'])).exitCode).toBe(0);
    await writeFile(join(fnDir, 'fn.yaml'), `${await readFile(join(fnDir, 'fn.yaml'), 'utf8')}registry: ghcr.io/acme\n`);
    const runner = join(work, 'runner-docker');
    await mkdir(runner);
    await writeFile(join(runner, 'config.json'), JSON.stringify({auths: {'quay.io': {auth: 'eDp5'}}, credHelpers: {'ghcr.io': 'gone', 'gcr.io': 'gcloud'}}));
    const login = async (inputs: Record<string, string>, out: string) =>
      execa('node', [join(root, 'dist/action-login.cjs')], {cwd: work, reject: false, env: {DOCKER_CONFIG: runner, FN_LOGIN_DOCKER_CONFIG: out, INPUT_PATH: 'hello', INPUT_REGISTRY_USERNAME: 'ada', INPUT_REGISTRY_PASSWORD: 's3cret', ...inputs}});
    // The registry fn pushes to by fn.yaml; the registry input; the image input; registry-server.
    for (const [inputs, host] of [
      [{}, 'ghcr.io'],
      [{INPUT_REGISTRY: 'registry.example.com:5000/team'}, 'registry.example.com:5000'],
      [{INPUT_IMAGE: `quay.io/acme/hello@sha256:${'a'.repeat(64)}`}, 'quay.io'],
      [{INPUT_REGISTRY_SERVER: 'docker.io'}, 'docker.io'],
    ] as Array<[Record<string, string>, string]>) {
      const out = await mkdtemp(join(work, 'login-'));
      const r = await login(inputs, out);
      expect({exit: r.exitCode, stderr: r.stderr}).toEqual({exit: 0, stderr: ''});
      expect(r.stdout).toContain(`::add-mask::${Buffer.from('ada:s3cret').toString('base64')}`);
      expect(r.stdout).not.toContain('s3cret');
      expect(statSync(join(out, 'config.json')).mode & 0o777).toBe(0o600);
      expect(await readBack(out, host)).toMatchObject({username: 'ada', password: 's3cret'});
      const written = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
      expect(written.credHelpers).toEqual(host === 'ghcr.io' ? {'gcr.io': 'gcloud'} : {'ghcr.io': 'gone', 'gcr.io': 'gcloud'});
      if (host !== 'quay.io') expect(written.auths['quay.io']).toEqual({auth: 'eDp5'});
    }
    // A bad registry-server is fn's usage error, as a GitHub annotation.
    const bad = await login({INPUT_REGISTRY_SERVER: 'https://ghcr.io'}, join(work, 'bad'));
    expectExit(bad, 2);
    expect(bad.stdout).toMatch(/^::error title=fn action::registry-server "https:\/\/ghcr.io" must not include a scheme/m);
    expect(existsSync(join(work, 'bad', 'config.json'))).toBe(false);
  });

  /** The GitLab jobs' before_script, run by sh with the variables GitLab would set; prints what it exported. */
  async function gitlabBeforeScript(variables: Record<string, string>, kubeconfigSecret = 'KUBECONFIG') {
    const fnDir = join(work, 'gitlab');
    if (!existsSync(fnDir)) expect((await runFn(['init', fnDir, '--runtime', 'node'])).exitCode).toBe(0);
    const dry = await runFn(['ci', 'gitlab', '--path', fnDir, '--registry', '127.0.0.1:5443/it', '--kubeconfig-secret', kubeconfigSecret, '--dry-run']);
    const doc = parse(dry.stdout);
    const steps: string[] = doc['.fn'].before_script.slice(2).map((s: string) => s.replace(/\/tmp\//g, `${work}/`));
    const script = `set -e\n${steps.join('\n')}\necho "KUBECONFIG=\${KUBECONFIG:-}"\necho "DOCKER_CONFIG=\${DOCKER_CONFIG:-}"\n`;
    return execa('sh', ['-c', script], {env: {PATH: process.env.PATH!, ...doc.variables, ...variables}, extendEnv: false});
  }

  test("GitLab's login and kubeconfig steps: a kubeconfig's text is written to a private file, a File variable's path kept", async () => {
    const env = dockerTestEnv();
    const r = await gitlabBeforeScript({KUBECONFIG: 'apiVersion: v1\nkind: Config\n', REGISTRY_USERNAME: env.FN_TEST_SECURE_REGISTRY_USER, REGISTRY_PASSWORD: env.FN_TEST_SECURE_REGISTRY_PASSWORD});
    expect(r.stdout).toContain(`KUBECONFIG=${work}/fn-kubeconfig`);
    expect(readFileSync(join(work, 'fn-kubeconfig'), 'utf8')).toBe('apiVersion: v1\nkind: Config\n\n');
    expect(statSync(join(work, 'fn-kubeconfig')).mode & 0o777).toBe(0o600);
    expect(statSync(join(work, 'fn-docker', 'config.json')).mode & 0o777).toBe(0o600);
    expect(await readBack(join(work, 'fn-docker'), env.FN_TEST_SECURE_REGISTRY)).toMatchObject({username: env.FN_TEST_SECURE_REGISTRY_USER, password: env.FN_TEST_SECURE_REGISTRY_PASSWORD});
    const file = join(work, 'file-variable');
    await writeFile(file, 'apiVersion: v1\n');
    expect((await gitlabBeforeScript({CLUSTER: file}, 'CLUSTER')).stdout).toContain(`KUBECONFIG=${file}\n`);
    expect((await gitlabBeforeScript({})).stdout).toBe('KUBECONFIG=\nDOCKER_CONFIG=');
  });

  test('the registry accepts the login each writes: fn build --push to the TLS registry (and without it, exit 6)', async () => {
    const env = dockerTestEnv();
    const images = testImages('node');
    const fnDir = join(work, 'pushed');
    expect((await runFn(['init', fnDir, '--runtime', 'node'])).exitCode).toBe(0);
    const push = (dockerConfig: string, force = false) =>
      runFn(['build', '--path', fnDir, '--registry', `${env.FN_TEST_SECURE_REGISTRY}/ci`, '--push', '--base-image', images.base, '--builder-image', images.builder, ...(force ? ['--force'] : [])], {env: fnEnv({DOCKER_CONFIG: dockerConfig})});
    const empty = await mkdtemp(join(work, 'empty-'));
    expect((await push(empty)).exitCode).toBe(6);
    const out = await mkdtemp(join(work, 'action-login-'));
    const login = await execa('node', [join(root, 'dist/action-login.cjs')], {
      reject: false,
      env: {DOCKER_CONFIG: empty, FN_LOGIN_DOCKER_CONFIG: out, INPUT_PATH: fnDir, INPUT_REGISTRY: `${env.FN_TEST_SECURE_REGISTRY}/ci`, INPUT_REGISTRY_USERNAME: env.FN_TEST_SECURE_REGISTRY_USER, INPUT_REGISTRY_PASSWORD: env.FN_TEST_SECURE_REGISTRY_PASSWORD},
    });
    expectExit(login, 0);
    const viaAction = await push(out);
    expect({exit: viaAction.exitCode, stderr: viaAction.stderr}).toMatchObject({exit: 0});
    expect(viaAction.stdout).toContain(`Pushed: ${env.FN_TEST_SECURE_REGISTRY}/ci/pushed@sha256:`);
    // GitLab's: the config its before_script wrote in the previous test.
    const viaGitlab = await push(join(work, 'fn-docker'), true);
    expect({exit: viaGitlab.exitCode, stderr: viaGitlab.stderr}).toMatchObject({exit: 0});
    expect(viaGitlab.stdout).toContain('Pushed: ');
  });
});
