import {abortRollout} from '../../core/rollout/control.js';
import {describeTraffic} from '../../core/traffic.js';
import {paragraphs, RolloutCommand, rolloutArgs, rolloutTargetFlags} from '../../ui/rollout-command.js';
import {withEnv} from '../../ui/flags.js';

export default class RolloutAbort extends RolloutCommand {
  static summary = 'Stop a rollout from any shell: the split from before it is written back.';
  static description = paragraphs(
    'One guarded write puts back the prior split and marks the rollout aborted; the process driving the steps (if any) sees',
    'it, stops and exits 13. Works when that process was killed, too. Exit codes: 0 aborted; 3 the rollout had already',
    'ended; 8 no rollout.',
  );
  static examples = ['<%= config.bin %> rollout abort', '<%= config.bin %> rollout abort hello -n prod --json'];
  static args = rolloutArgs;
  static flags = withEnv({...rolloutTargetFlags});

  async run() {
    const {args, flags} = await this.parse(RolloutAbort);
    const {ref, knative} = await this.target(args.name, flags);
    const {name} = ref;
    const result = await abortRollout(knative, ref, this.owner, Date.now);
    if (!this.jsonEnabled()) this.log(`Aborted the rollout of ${result.canary ?? 'the new revision'} on ${name}; traffic: ${describeTraffic(result.traffic)}`);
    return {event: 'aborted', ...result};
  }
}
