import {Flags} from '@oclif/core';
import {checkFnSource, DEFAULT_GITLAB_OUTPUT, gitlabPipeline, pipelineSecrets, PLACEHOLDER_FN_SOURCE} from '../../core/ci-workflow.js';
import {CiCommand, ciFlags, type CiResult} from '../../ui/ci-command.js';
import {withEnv} from '../../ui/flags.js';

export default class CiGitlab extends CiCommand {
  static summary = 'Write a GitLab CI/CD pipeline that previews merge requests and deploys the branch with fn.';
  static description = `Writes .gitlab-ci.yml in the repository that holds the function (--output elsewhere, e.g. to include it; --dry-run prints it). Merge requests deploy a preview: \`fn deploy --tag pr-<IID> --no-traffic\`, a revision with its own URL and no traffic. Pushes to --branch run \`fn deploy --all-traffic\` (a preview pinned the split), or with --rollout-steps \`fn rollout\` (which builds and pushes, as deploy does).
Jobs run in node:20 with a docker:dind service; they clone and build fn's repository (--fn-source), write the kubeconfig variable (a File variable, or its text) to a private file, and log in to the registry the way \`docker login\` does.
Exit codes: 2 bad flag or fn.yaml value (or no registry known), 3 the file exists (use --force), 8 no fn.yaml in --path.`;
  static examples = [
    '<%= config.bin %> ci gitlab --registry registry.gitlab.com/acme/hello --registry-username-secret CI_REGISTRY_USER --registry-password-secret CI_REGISTRY_PASSWORD',
    '<%= config.bin %> ci gitlab --fn-source https://gitlab.example.com/tools/fn.git#v1 --rollout-steps 10,50,100',
    '<%= config.bin %> ci gitlab --output ci/fn.gitlab-ci.yml --dry-run',
  ];

  static flags = withEnv({
    ...ciFlags,
    'fn-source': Flags.string({
      description: 'fn\'s git repository and the branch or tag the jobs build, URL#REF; the default is a placeholder',
      default: PLACEHOLDER_FN_SOURCE,
      parse: async (value) => (checkFnSource(value), value),
    }),
  });

  async run(): Promise<CiResult> {
    const {flags} = await this.parse(CiGitlab);
    const {options, file} = await this.pipelineOptions(flags, DEFAULT_GITLAB_OUTPUT);
    const content = gitlabPipeline({...options, fnSource: flags['fn-source']});
    if (flags['fn-source'] === PLACEHOLDER_FN_SOURCE) this.progress.warn(`the pipeline clones ${PLACEHOLDER_FN_SOURCE}, a placeholder for fn's repository: pass --fn-source URL#REF (where fn's repository lives)`);
    return this.emit(content, file, pipelineSecrets(options), flags);
  }
}
