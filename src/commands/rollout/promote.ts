import {promoteRollout} from '../../core/rollout/control.js';
import {describeTraffic} from '../../core/traffic.js';
import {paragraphs, RolloutCommand, rolloutArgs, rolloutTargetFlags} from '../../ui/rollout-command.js';
import {withEnv} from '../../ui/flags.js';

export default class RolloutPromote extends RolloutCommand {
  static summary = 'Finish a rollout now from any shell: the canary takes 100%, skipping the remaining steps and gates.';
  static description = paragraphs(
    'One guarded write moves all traffic to the canary (untagged unless the rollout keeps its tag) and marks the rollout',
    'promoted; the process driving the steps sees it and ends successfully. Exit codes: 0 promoted; 3 the rollout had',
    'already ended; 8 no rollout; 11 the canary revision does not exist yet.',
  );
  static examples = ['<%= config.bin %> rollout promote', '<%= config.bin %> rollout promote hello --json'];
  static args = rolloutArgs;
  static flags = withEnv({...rolloutTargetFlags});

  async run() {
    const {args, flags} = await this.parse(RolloutPromote);
    const {ref, knative} = await this.target(args.name, flags);
    const {name} = ref;
    const result = await promoteRollout(knative, ref, this.owner, Date.now);
    if (!this.jsonEnabled()) this.log(`Promoted ${result.canary} on ${name}; traffic: ${describeTraffic(result.traffic)}`);
    return {event: 'promoted', ...result};
  }
}
