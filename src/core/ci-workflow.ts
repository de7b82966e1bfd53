// `fn ci github` and `fn ci gitlab`: the pipeline files that build and deploy a function from CI, as pure
// functions of the options (the commands read fn.yaml and write the file). Pull/merge requests deploy a
// preview revision under the tag pr-<number> with no traffic; pushes to the branch deploy it, or roll it
// out step by step. YAML is built as a document with the `yaml` library, never by pasting strings.
// GitHub's workflow calls fn's own action (action.yml at the root of fn's repository), which installs
// fn, logs in to the registry, writes the kubeconfig and maps fn's step outputs; GitLab has no such
// thing, so its jobs do those steps in their scripts.
import {Document, isSeq, visit} from 'yaml';
import {FnError} from './errors.js';
import {parseDuration, parseSteps} from './flag-values.js';
import {parseImageRef, validateRegistry} from './image-ref.js';
import {validateNamespace} from './names.js';

/** The action a generated workflow uses when --action is not given: a name no GitHub account can have (no '_' in owners), so it fails to resolve rather than run someone else's code. */
export const PLACEHOLDER_ACTION = 'YOUR_ORG/fn@main';
/** Where a GitLab pipeline clones fn from when --fn-source is not given; a placeholder like PLACEHOLDER_ACTION. */
export const PLACEHOLDER_FN_SOURCE = 'https://github.com/YOUR_ORG/fn.git#main';
export const DEFAULT_GITHUB_OUTPUT = '.github/workflows/fn.yml';
export const DEFAULT_GITLAB_OUTPUT = '.gitlab-ci.yml';

export interface RolloutChoice {
  /** "5,25,50,100" as fn rollout --steps takes it. */
  steps: string;
  interval?: string;
  check?: string;
}

export interface PipelineOptions {
  /** The function folder relative to the repository root, '/'-separated; '.' for the root. */
  path: string;
  /** Where the pipeline file lives, relative to the repository root (for path filters). */
  file: string;
  /** --registry: passed to fn as given (unset: fn.yaml's registry or image). */
  registry?: string;
  /** --registry-server: the registry host[:port] to log in to, when given. */
  registryServer?: string;
  /** The host fn pushes to as fn.yaml and --registry say when the file is generated (GitLab logs in there unless --registry-server). */
  pushRegistry: string;
  namespace?: string;
  branch: string;
  kubeconfigSecret: string;
  registryUsernameSecret: string;
  registryPasswordSecret: string;
  rollout?: RolloutChoice;
}

export interface GithubOptions extends PipelineOptions {
  /** `uses:` of fn's action: OWNER/REPO[/PATH]@REF, or ./PATH in the same repository. */
  action: string;
}

export interface GitlabOptions extends PipelineOptions {
  /** fn's git repository and ref (branch or tag): URL#REF. */
  fnSource: string;
}

/** The secrets (GitHub) or CI/CD variables (GitLab) a pipeline reads, for messages and --json. */
export function pipelineSecrets(options: PipelineOptions): string[] {
  return [options.kubeconfigSecret, options.registryUsernameSecret, options.registryPasswordSecret];
}

// ---- checks: each names the flag and what it accepts ----

function usage(code: string, message: string, suggestion: string, details: Record<string, unknown>): FnError {
  return new FnError(code, 'usage', message, {suggestion, details});
}

/** A secret's or CI/CD variable's name: letters, digits and '_', not starting with a digit (both platforms' rule). */
export function checkSecretName(value: string, flag: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value) && !/^GITHUB_/i.test(value)) return value;
  throw usage('INVALID_SECRET_NAME', `${flag} "${value}" is not a secret name: use letters, digits and '_', not starting with a digit or GITHUB_`, `e.g. ${flag} KUBECONFIG`, {field: flag, value});
}

/** A branch name as git allows it (check-ref-format), without the characters YAML or a shell would trip on. */
export function checkBranch(value: string, flag = '--branch'): string {
  const ok = /^[A-Za-z0-9._/-]+$/.test(value) && !/(^[-/.])|([/.]$)|\.\.|\/\/|\/\.|\.lock$/.test(value);
  if (ok) return value;
  throw usage('INVALID_BRANCH', `${flag} "${value}" is not a branch name this accepts: letters, digits, '.', '_', '-' and '/' between parts`, `e.g. ${flag} main`, {field: flag, value});
}

/** OWNER/REPO[/PATH]@REF (a published action) or ./PATH (an action in the same repository). */
export function checkActionRef(value: string, flag = '--action'): string {
  if (/^\.\/[\w./-]*$/.test(value) || /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w./-]+$/.test(value)) return value;
  throw usage('INVALID_ACTION', `${flag} "${value}" is not an action reference: use OWNER/REPO@REF (fn's repository) or ./PATH`, `e.g. ${flag} acme/fn@v1`, {field: flag, value});
}

/** GIT-URL#REF (https://, ssh:// or git@host:path), the ref a branch or tag; #REF defaults to main. */
export function checkFnSource(value: string, flag = '--fn-source'): {repository: string; ref: string} {
  const [repository, ref = 'main', extra] = value.split('#');
  if (extra === undefined && /^(https?:\/\/|ssh:\/\/|git@)[^\s'"$`\\]+$/.test(repository)) return {repository, ref: checkBranch(ref, `${flag} #REF`)};
  throw usage('INVALID_FN_SOURCE', `${flag} "${value}" is not a git repository URL with an optional #REF`, `e.g. ${flag} https://gitlab.example.com/tools/fn.git#v1`, {field: flag, value});
}

/** host[:port] of a registry value or an image reference. */
export function registryHost(registryOrImage: string, field: string): string {
  return parseImageRef(registryOrImage.includes('/') ? registryOrImage : `${registryOrImage}/x`, field).registry;
}

function checkOptions(options: PipelineOptions): void {
  if (options.registry !== undefined) validateRegistry(options.registry, '--registry');
  if (options.registryServer !== undefined && registryHost(options.registryServer, '--registry-server') !== options.registryServer) {
    throw usage('INVALID_REGISTRY', `--registry-server "${options.registryServer}" is not a registry host: use HOST[:PORT]`, 'e.g. --registry-server ghcr.io', {field: '--registry-server', value: options.registryServer});
  }
  if (options.namespace !== undefined) validateNamespace(options.namespace, '--namespace');
  checkBranch(options.branch);
  checkSecretName(options.kubeconfigSecret, '--kubeconfig-secret');
  checkSecretName(options.registryUsernameSecret, '--registry-username-secret');
  checkSecretName(options.registryPasswordSecret, '--registry-password-secret');
  if (options.rollout) {
    parseSteps('rollout-steps', options.rollout.steps);
    if (options.rollout.interval !== undefined) parseDuration('rollout-interval', options.rollout.interval, {allowZero: true});
    if (options.rollout.check !== undefined && !/^\/[^\s'"$`\\]*$/.test(options.rollout.check)) {
      throw usage('INVALID_CHECK_PATH', `--rollout-check "${options.rollout.check}" is not a URL path`, 'e.g. --rollout-check /health', {field: '--rollout-check', value: options.rollout.check});
    }
  }
  if (options.path !== '.' && !/^[\w.-]+(\/[\w.-]+)*$/.test(options.path)) {
    throw usage('INVALID_PATH', `the function folder "${options.path}" has characters a pipeline cannot quote safely`, 'use a folder named with letters, digits, ".", "_" and "-"', {field: '--path', value: options.path});
  }
}

// ---- rendering ----

function render(root: object, header: string[]): string {
  const doc = new Document(root, {aliasDuplicateObjects: false});
  doc.commentBefore = header.map((line) => ` ${line}`).join('\n');
  // Short lists of names stay on one line: branches: [main].
  visit(doc, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.length <= 3 && node.items.every((i: any) => typeof i?.value === 'string' && !i.value.includes(' ') && !i.value.includes('\n'))) node.flow = true;
    },
  });
  return doc.toString({lineWidth: 0, flowCollectionPadding: false});
}

/** Path filters: the function folder and the pipeline file; none when the function is the repository. */
function pathFilters(options: PipelineOptions): string[] | undefined {
  return options.path === '.' ? undefined : [`${options.path}/**`, options.file];
}

function describeMain(options: PipelineOptions): string {
  return options.rollout ? `roll it out (fn rollout, steps ${options.rollout.steps})` : 'deploy it with all the traffic (fn deploy --all-traffic)';
}

/** The GitHub Actions workflow (.github/workflows/fn.yml). */
export function githubWorkflow(options: GithubOptions): string {
  checkOptions(options);
  checkActionRef(options.action);
  const secret = (name: string) => `\${{ secrets.${name} }}`;
  const paths = pathFilters(options);
  const common = {
    path: options.path,
    ...(options.registry ? {registry: options.registry} : {}),
    ...(options.registryServer ? {'registry-server': options.registryServer} : {}),
    ...(options.namespace ? {namespace: options.namespace} : {}),
    kubeconfig: secret(options.kubeconfigSecret),
    'registry-username': secret(options.registryUsernameSecret),
    'registry-password': secret(options.registryPasswordSecret),
  };
  const checkout = {uses: 'actions/checkout@v5'};
  const pr = '${{ github.event.pull_request.number }}';
  const rollout = options.rollout;
  const workflow = {
    name: 'fn',
    on: {
      pull_request: {branches: [options.branch], ...(paths ? {paths} : {})},
      push: {branches: [options.branch], ...(paths ? {paths} : {})},
    },
    permissions: {contents: 'read'},
    jobs: {
      preview: {
        name: `Preview pr-${pr}`,
        // Pull requests from forks get no secrets: their previews are skipped rather than failed.
        if: "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository",
        'runs-on': 'ubuntu-latest',
        concurrency: {group: `fn-preview-${pr}`, 'cancel-in-progress': true},
        outputs: {url: '${{ steps.fn.outputs.tag-url }}', revision: '${{ steps.fn.outputs.revision }}'},
        steps: [
          checkout,
          {name: `fn deploy --tag pr-${pr} --no-traffic`, id: 'fn', uses: options.action, with: {...common, tag: `pr-${pr}`, 'no-traffic': true}},
        ],
      },
      deploy: {
        name: rollout ? `Roll out (${rollout.steps})` : 'Deploy',
        if: "github.event_name == 'push'",
        'runs-on': 'ubuntu-latest',
        // One deploy at a time per branch; a newer push waits instead of cancelling a rollout midway.
        concurrency: {group: `fn-deploy-${options.branch}`, 'cancel-in-progress': false},
        outputs: {url: '${{ steps.fn.outputs.url }}', revision: '${{ steps.fn.outputs.revision }}', image: '${{ steps.fn.outputs.image }}'},
        steps: [
          checkout,
          {
            name: rollout ? 'fn rollout' : 'fn deploy',
            id: 'fn',
            uses: options.action,
            with: {
              ...common,
              // A preview pinned the split (its revision at 0% by name), which a plain fn deploy keeps.
              ...(rollout
                ? {'rollout-steps': rollout.steps, ...(rollout.interval ? {'rollout-interval': rollout.interval} : {}), ...(rollout.check ? {'rollout-check': rollout.check} : {})}
                : {'all-traffic': true}),
            },
          },
        ],
      },
    },
  };
  return render(workflow, [
    'Generated by `fn ci github`. Pull requests deploy a preview: a revision tagged pr-<number> with its own URL',
    `and no traffic. Pushes to ${options.branch} ${describeMain(options)}.`,
    `Repository secrets: ${options.kubeconfigSecret} (a kubeconfig for the cluster), ${options.registryUsernameSecret} and ${options.registryPasswordSecret} (the registry's).`,
    `The action ${options.action}${options.action === PLACEHOLDER_ACTION ? ' (a placeholder: point it at where fn\'s repository lives)' : ''} installs and runs fn.`,
  ]);
}

/** One word for a POSIX shell: as it is when it needs no quoting, else single-quoted. */
function sh(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The GitLab CI/CD pipeline (.gitlab-ci.yml). */
export function gitlabPipeline(options: GitlabOptions): string {
  checkOptions(options);
  const source = checkFnSource(options.fnSource);
  const kube = options.kubeconfigSecret;
  const user = options.registryUsernameSecret;
  const password = options.registryPasswordSecret;
  const registry = options.registry ? ` --registry ${sh(options.registry)}` : '';
  const namespace = options.namespace ? ` --namespace ${sh(options.namespace)}` : '';
  const changes = pathFilters(options)?.map((p) => (p.endsWith('/**') ? `${p}/*` : p));
  const rule = (condition: string) => [{if: condition, ...(changes ? {changes} : {})}];
  const rollout = options.rollout;
  const mainScript = rollout
    ? [
        [
          'fn rollout --path "$FN_PATH"',
          `--steps ${sh(rollout.steps)}`,
          ...(rollout.interval ? [`--interval ${sh(rollout.interval)}`] : []),
          ...(rollout.check ? [`--check ${sh(rollout.check)}`] : []),
        ].join(' ') + registry + namespace,
      ]
    : // A preview pinned the split (its revision at 0% by name), which a plain fn deploy keeps.
      [`fn deploy --path "$FN_PATH" --all-traffic${registry}${namespace}`];
  const pipeline = {
    stages: ['preview', 'deploy'],
    variables: {
      // fn's own variable for --path (every flag reads FN_<FLAG>); the commands pass it explicitly too.
      FN_PATH: options.path,
      // fn builds through the Docker engine of the docker:dind service, over TLS (GitLab's documented setup).
      DOCKER_HOST: 'tcp://docker:2376',
      DOCKER_TLS_CERTDIR: '/certs',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/certs/client',
    },
    '.fn': {
      image: 'node:20',
      services: ['docker:27-dind'],
      before_script: [
        // fn from its repository, built as its action builds it on GitHub.
        `git clone --quiet --depth 1 --branch ${sh(source.ref)} ${sh(source.repository)} /tmp/fn-cli`,
        'npm --prefix /tmp/fn-cli ci --no-audit --no-fund && npm --prefix /tmp/fn-cli run build && npm install --global /tmp/fn-cli',
        // A File variable holds the kubeconfig's path; a plain variable its text, written to a file only we can read.
        [
          `if [ -n "\${${kube}:-}" ] && [ ! -f "\$${kube}" ]; then`,
          `  (umask 077 && printf '%s\\n' "\$${kube}" > /tmp/fn-kubeconfig) && export KUBECONFIG=/tmp/fn-kubeconfig;`,
          ...(kube === 'KUBECONFIG' ? [] : [`elif [ -n "\${${kube}:-}" ]; then export KUBECONFIG="\$${kube}";`]),
          'fi',
        ].join('\n'),
        // What `docker login` writes: config.json auths, which fn's push reads (DOCKER_CONFIG).
        [
          `if [ -n "\${${user}:-}" ]; then`,
          '  export DOCKER_CONFIG=/tmp/fn-docker && mkdir -p -m 700 "$DOCKER_CONFIG" &&',
          `  (umask 077 && printf '{"auths":{"%s":{"auth":"%s"}}}\\n' ${sh(options.registryServer ?? options.pushRegistry)} "$(printf '%s:%s' "\$${user}" "\$${password}" | base64 | tr -d '\\n')" > "$DOCKER_CONFIG/config.json");`,
          'fi',
        ].join('\n'),
      ],
    },
    preview: {
      extends: '.fn',
      stage: 'preview',
      rules: rule('$CI_PIPELINE_SOURCE == "merge_request_event"'),
      script: [`fn deploy --path "$FN_PATH" --tag "pr-$CI_MERGE_REQUEST_IID" --no-traffic${registry}${namespace}`],
    },
    deploy: {
      extends: '.fn',
      stage: 'deploy',
      rules: rule(`$CI_COMMIT_BRANCH == "${options.branch}"`),
      // One deploy at a time: a newer pipeline waits for a rollout to finish.
      resource_group: `fn-${options.branch}`,
      script: mainScript,
    },
  };
  return render(pipeline, [
    'Generated by `fn ci gitlab`. Merge requests deploy a preview: a revision tagged pr-<IID> with its own URL',
    `and no traffic. Pushes to ${options.branch} ${describeMain(options)}.`,
    `CI/CD variables: ${kube} (a kubeconfig: a File variable, or its text), ${user} and ${password} (the registry's, masked).`,
    `The jobs build fn's repository ${source.repository} at ${source.ref}${options.fnSource === PLACEHOLDER_FN_SOURCE ? ' (a placeholder: change the git clone line to where it lives)' : ''}.`,
  ]);
}
