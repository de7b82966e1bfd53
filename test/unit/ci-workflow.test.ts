// `fn ci github` / `fn ci gitlab`: the generated pipelines. Golden files in test/unit/golden-ci/<case>.yml
// (UPDATE_GOLDEN=1 rewrites them after an intended change: review the diff), then what the files say,
// parsed: triggers and rules for pull/merge requests vs the branch, the commands (each a real fn command
// with flags it has, checked against oclif.manifest.json), the secrets; and each bad option refused with
// the flag named. actionlint and GitLab's schema run on them in test/integration/ci-workflows.test.ts.
import {describe, expect, test} from '@jest/globals';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import {githubWorkflow, gitlabPipeline, PLACEHOLDER_ACTION, PLACEHOLDER_FN_SOURCE, type GithubOptions, type GitlabOptions, type PipelineOptions} from '../../src/core/ci-workflow.js';
import {fnError} from '../support/fn-error.js';

const GOLDEN = join(process.cwd(), 'test/unit/golden-ci');

const base: PipelineOptions = {
  path: '.',
  file: '.github/workflows/fn.yml',
  branch: 'main',
  kubeconfigSecret: 'KUBECONFIG',
  registryUsernameSecret: 'REGISTRY_USERNAME',
  registryPasswordSecret: 'REGISTRY_PASSWORD',
  pushRegistry: 'ghcr.io',
};
const subfolder = {path: 'functions/hello', registry: 'ghcr.io/acme', namespace: 'prod', branch: 'release/v2', kubeconfigSecret: 'PROD_KUBECONFIG'};
const rollout = {rollout: {steps: '10,50,100', interval: '1m', check: '/health'}};

const GITHUB_CASES: Record<string, GithubOptions> = {
  'github-minimal': {...base, action: PLACEHOLDER_ACTION},
  'github-subfolder': {...base, ...subfolder, action: 'acme/fn@v1'},
  'github-rollout': {...base, ...subfolder, ...rollout, registryServer: 'ghcr.io', action: 'acme/fn@v1'},
};
const GITLAB_CASES: Record<string, GitlabOptions> = {
  'gitlab-minimal': {...base, file: '.gitlab-ci.yml', fnSource: PLACEHOLDER_FN_SOURCE},
  'gitlab-subfolder': {...base, ...subfolder, file: '.gitlab-ci.yml', registryUsernameSecret: 'CI_REGISTRY_USER', registryPasswordSecret: 'CI_REGISTRY_PASSWORD', fnSource: 'https://gitlab.example.com/tools/fn.git#v1'},
  'gitlab-rollout': {...base, ...subfolder, ...rollout, file: '.gitlab-ci.yml', fnSource: 'https://gitlab.example.com/tools/fn.git'},
};

describe('golden pipelines', () => {
  const cases: Array<[string, () => string]> = [
    ...Object.entries(GITHUB_CASES).map(([name, o]): [string, () => string] => [name, () => githubWorkflow(o)]),
    ...Object.entries(GITLAB_CASES).map(([name, o]): [string, () => string] => [name, () => gitlabPipeline(o)]),
  ];
  test.each(cases)('%s', (name, generate) => {
    const out = generate();
    const file = join(GOLDEN, `${name}.yml`);
    if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, out);
    expect(out).toBe(readFileSync(file, 'utf8'));
    expect(generate()).toBe(out);
  });
});

// ---- fn command lines in a pipeline, against the commands and flags fn has ----

const manifest = JSON.parse(readFileSync(join(process.cwd(), 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, {char?: string}>}>};

/** Shell words of one command line (quotes kept out; $(…) and "…" as one word). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"(?:\$\((?:[^()]|\([^()]*\))*\)|[^"])*"|'[^']*'|\S+/g;
  for (const m of line.matchAll(re)) out.push(m[0]);
  return out;
}

/** What is wrong with the fn command in `line` ('' when nothing). */
function fnCommandProblems(line: string): string[] {
  const tokens = words(line);
  expect(tokens[0]).toBe('fn');
  const id = [tokens[1], tokens[2]].join(':') in manifest.commands ? `${tokens[1]}:${tokens[2]}` : tokens[1];
  const command = manifest.commands[id];
  if (!command) return [`no command fn ${tokens[1]}`];
  const flags = new Set(Object.entries(command.flags).flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])]));
  return tokens.filter((t) => t.startsWith('-') && !flags.has(t)).map((t) => `fn ${id.replace(':', ' ')} has no ${t}`);
}

const gitlabScripts = (doc: any) => ['preview', 'deploy'].flatMap((job) => doc[job].script as string[]);

describe('GitHub workflow', () => {
  const minimal = parse(githubWorkflow(GITHUB_CASES['github-minimal']));
  const sub = parse(githubWorkflow(GITHUB_CASES['github-subfolder']));
  const roll = parse(githubWorkflow(GITHUB_CASES['github-rollout']));

  test('pull requests into the branch and pushes to it trigger it; only the function folder when it is a subfolder', () => {
    expect(minimal.on).toEqual({pull_request: {branches: ['main']}, push: {branches: ['main']}});
    expect(sub.on).toEqual({
      pull_request: {branches: ['release/v2'], paths: ['functions/hello/**', '.github/workflows/fn.yml']},
      push: {branches: ['release/v2'], paths: ['functions/hello/**', '.github/workflows/fn.yml']},
    });
    expect(minimal.permissions).toEqual({contents: 'read'});
  });

  test('a pull request deploys a preview tagged pr-<number> with no traffic; forks are skipped', () => {
    const job = sub.jobs.preview;
    expect(job.if).toBe("github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository");
    const step = job.steps.find((s: any) => s.id === 'fn');
    expect(step.uses).toBe('acme/fn@v1');
    expect(step.with).toEqual({
      path: 'functions/hello',
      registry: 'ghcr.io/acme',
      namespace: 'prod',
      kubeconfig: '${{ secrets.PROD_KUBECONFIG }}',
      'registry-username': '${{ secrets.REGISTRY_USERNAME }}',
      'registry-password': '${{ secrets.REGISTRY_PASSWORD }}',
      tag: 'pr-${{ github.event.pull_request.number }}',
      'no-traffic': true,
    });
    expect(job.outputs.url).toBe('${{ steps.fn.outputs.tag-url }}');
    expect(job.concurrency).toEqual({group: 'fn-preview-${{ github.event.pull_request.number }}', 'cancel-in-progress': true});
  });

  test('a push deploys with all traffic, or rolls out with the rollout options; one at a time', () => {
    const deploy = sub.jobs.deploy;
    expect(deploy.if).toBe("github.event_name == 'push'");
    expect(deploy.concurrency).toEqual({group: 'fn-deploy-release/v2', 'cancel-in-progress': false});
    const step = deploy.steps.find((s: any) => s.id === 'fn');
    expect(step.with.tag).toBeUndefined();
    expect(step.with['no-traffic']).toBeUndefined();
    expect(step.with['rollout-steps']).toBeUndefined();
    expect(step.with['all-traffic']).toBe(true);
    const rolled = roll.jobs.deploy.steps.find((s: any) => s.id === 'fn');
    expect(rolled.with).toMatchObject({'rollout-steps': '10,50,100', 'rollout-interval': '1m', 'rollout-check': '/health', 'registry-server': 'ghcr.io'});
    expect(roll.jobs.deploy.outputs).toEqual({url: '${{ steps.fn.outputs.url }}', revision: '${{ steps.fn.outputs.revision }}', image: '${{ steps.fn.outputs.image }}'});
  });

  test('the header names the secrets and, for the placeholder action, says so', () => {
    const text = githubWorkflow(GITHUB_CASES['github-minimal']);
    expect(text).toMatch(/^# Generated by `fn ci github`/);
    expect(text).toContain('Repository secrets: KUBECONFIG');
    expect(text).toContain(`${PLACEHOLDER_ACTION} (a placeholder`);
    expect(githubWorkflow(GITHUB_CASES['github-subfolder'])).not.toContain('placeholder');
  });
});

describe('GitLab pipeline', () => {
  const minimal = parse(gitlabPipeline(GITLAB_CASES['gitlab-minimal']));
  const sub = parse(gitlabPipeline(GITLAB_CASES['gitlab-subfolder']));
  const roll = parse(gitlabPipeline(GITLAB_CASES['gitlab-rollout']));

  test('stages, and rules: merge requests run the preview, pushes to the branch the deploy', () => {
    expect(minimal.stages).toEqual(['preview', 'deploy']);
    expect(minimal.preview).toMatchObject({extends: '.fn', stage: 'preview', rules: [{if: '$CI_PIPELINE_SOURCE == "merge_request_event"'}]});
    expect(minimal.deploy).toMatchObject({extends: '.fn', stage: 'deploy', rules: [{if: '$CI_COMMIT_BRANCH == "main"'}], resource_group: 'fn-main'});
    expect(sub.deploy.rules).toEqual([{if: '$CI_COMMIT_BRANCH == "release/v2"', changes: ['functions/hello/**/*', '.gitlab-ci.yml']}]);
    expect(sub.preview.rules[0].changes).toEqual(['functions/hello/**/*', '.gitlab-ci.yml']);
  });

  test('the commands: a tagged preview with no traffic; deploy with all the traffic, or a rollout from source', () => {
    expect(minimal.preview.script).toEqual(['fn deploy --path "$FN_PATH" --tag "pr-$CI_MERGE_REQUEST_IID" --no-traffic']);
    expect(minimal.deploy.script).toEqual(['fn deploy --path "$FN_PATH" --all-traffic']);
    expect(sub.deploy.script).toEqual(['fn deploy --path "$FN_PATH" --all-traffic --registry ghcr.io/acme --namespace prod']);
    // fn rollout builds and pushes from source, as fn deploy does.
    expect(roll.deploy.script).toEqual(['fn rollout --path "$FN_PATH" --steps 10,50,100 --interval 1m --check /health --registry ghcr.io/acme --namespace prod']);
    expect(sub.variables.FN_PATH).toBe('functions/hello');
    // The pipeline's own variables never look like fn's FN_<FLAG> ones: only FN_PATH, which is --path.
    expect(Object.keys(sub.variables).filter((v) => v.startsWith('FN_'))).toEqual(['FN_PATH']);
    expect(roll['.fn'].before_script[0]).toBe('git clone --quiet --depth 1 --branch main https://gitlab.example.com/tools/fn.git /tmp/fn-cli');
  });

  test('every fn command in every pipeline is a command fn has, with flags it has', () => {
    const lines = Object.values(GITLAB_CASES).flatMap((o) => gitlabScripts(parse(gitlabPipeline(o))));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(lines.flatMap(fnCommandProblems)).toEqual([]);
    // The check itself bites.
    expect(fnCommandProblems('fn build --push --namespace prod')).toEqual(['fn build has no --namespace']);
  });

  test('jobs build fn from its repository, then write the kubeconfig and the registry login from the variables named', () => {
    const before: string[] = sub['.fn'].before_script;
    expect(sub['.fn']).toMatchObject({image: 'node:20', services: ['docker:27-dind']});
    expect(before[0]).toBe('git clone --quiet --depth 1 --branch v1 https://gitlab.example.com/tools/fn.git /tmp/fn-cli');
    expect(before[2]).toContain('"$PROD_KUBECONFIG" > /tmp/fn-kubeconfig');
    expect(before[2]).toContain('export KUBECONFIG="$PROD_KUBECONFIG"');
    expect(before[3]).toContain(`printf '{"auths":{"%s":{"auth":"%s"}}}\\n' ghcr.io "$(printf '%s:%s' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64`);
    // Secrets are only ever expanded by the shell, never written into the file.
    expect(minimal['.fn'].before_script[2]).not.toContain('export KUBECONFIG="$KUBECONFIG"');
  });
});

describe('bad options are refused, naming the flag', () => {
  const gh = (o: Partial<GithubOptions>) => () => githubWorkflow({...GITHUB_CASES['github-minimal'], ...o});
  const gl = (o: Partial<GitlabOptions>) => () => gitlabPipeline({...GITLAB_CASES['gitlab-minimal'], ...o});
  test.each([
    ['a secret name with a dash', gh({kubeconfigSecret: 'MY-KUBECONFIG'}), 'INVALID_SECRET_NAME', '--kubeconfig-secret "MY-KUBECONFIG"'],
    ['a secret named GITHUB_…', gh({registryPasswordSecret: 'GITHUB_TOKEN'}), 'INVALID_SECRET_NAME', '--registry-password-secret'],
    ['a GitLab variable starting with a digit', gl({registryUsernameSecret: '1USER'}), 'INVALID_SECRET_NAME', '--registry-username-secret'],
    ['a branch with a space', gh({branch: 'my branch'}), 'INVALID_BRANCH', '--branch "my branch"'],
    ['a branch with ..', gl({branch: 'a..b'}), 'INVALID_BRANCH', '--branch'],
    ['an action without a ref', gh({action: 'acme/fn'}), 'INVALID_ACTION', '--action "acme/fn"'],
    ['an fn source that is no URL', gl({fnSource: 'fn#main'}), 'INVALID_FN_SOURCE', '--fn-source "fn#main"'],
    ['a registry with a scheme', gh({registry: 'https://ghcr.io/acme'}), 'INVALID_REGISTRY', '--registry'],
    ['a registry server with a path', gl({registryServer: 'ghcr.io/acme'}), 'INVALID_REGISTRY', '--registry-server'],
    ['a namespace that is no DNS label', gh({namespace: 'Prod'}), 'INVALID_NAMESPACE', '--namespace'],
    ['steps that do not end at 100', gl({rollout: {steps: '10,50'}}), 'INVALID_STEPS', '--rollout-steps'],
    ['an interval that is no duration', gh({rollout: {steps: '50,100', interval: 'soon'}}), 'INVALID_DURATION', '--rollout-interval'],
    ['a check that is no path', gl({rollout: {steps: '100', check: 'health'}}), 'INVALID_CHECK_PATH', '--rollout-check "health"'],
    ['a folder with a space', gh({path: 'my functions/hello'}), 'INVALID_PATH', 'my functions/hello'],
  ])('%s', (_what, generate, code, named) => {
    const e = fnError(generate);
    expect(e.code).toBe(code);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(named);
    expect(e.suggestion).toBeTruthy();
  });
});
