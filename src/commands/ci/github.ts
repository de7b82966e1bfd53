import {Flags} from '@oclif/core';
import {checkActionRef, DEFAULT_GITHUB_OUTPUT, githubWorkflow, pipelineSecrets, PLACEHOLDER_ACTION} from '../../core/ci-workflow.js';
import {CiCommand, ciFlags, type CiResult} from '../../ui/ci-command.js';
import {withEnv} from '../../ui/flags.js';

export default class CiGithub extends CiCommand {
  static summary = 'Write a GitHub Actions workflow that previews pull requests and deploys the branch with fn.';
  static description = `Writes .github/workflows/fn.yml in the repository that holds the function (--output elsewhere; --dry-run prints it). Pull requests into --branch deploy a preview: \`fn deploy --tag pr-<number> --no-traffic\`, a revision with its own URL and no traffic (forks get no secrets, so theirs are skipped). Pushes to --branch run \`fn deploy --all-traffic\` (a preview pinned the split), or with --rollout-steps \`fn rollout\` (which builds and pushes, as deploy does).
Every step is fn's action (action.yml in fn's repository, --action OWNER/REPO@REF): it installs fn, logs in to the registry with the registry secrets, writes the kubeconfig secret to a private file, and gives the URL, revision, image and tag URL as outputs.
Exit codes: 2 bad flag or fn.yaml value (or no registry known), 3 the file exists (use --force), 8 no fn.yaml in --path.`;
  static examples = [
    '<%= config.bin %> ci github --registry ghcr.io/acme --action acme/fn@v1',
    '<%= config.bin %> ci github --rollout-steps 10,50,100 --rollout-interval 1m --rollout-check /health --force',
    '<%= config.bin %> ci github --kubeconfig-secret STAGING_KUBECONFIG --namespace staging --dry-run',
  ];

  static flags = withEnv({
    ...ciFlags,
    action: Flags.string({
      description: `fn's action, OWNER/REPO@REF where fn's repository lives (or ./PATH); the default is a placeholder that fails to resolve`,
      default: PLACEHOLDER_ACTION,
      parse: async (value) => checkActionRef(value),
    }),
  });

  async run(): Promise<CiResult> {
    const {flags} = await this.parse(CiGithub);
    const {options, file} = await this.pipelineOptions(flags, DEFAULT_GITHUB_OUTPUT);
    const content = githubWorkflow({...options, action: flags.action});
    if (flags.action === PLACEHOLDER_ACTION) this.progress.warn(`the workflow uses ${PLACEHOLDER_ACTION}, a placeholder: pass --action OWNER/REPO@REF (where fn's repository lives)`);
    return this.emit(content, file, pipelineSecrets(options), flags);
  }
}
