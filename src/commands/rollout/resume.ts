import {Flags} from '@oclif/core';
import {randomUUID} from 'node:crypto';
import {resumeRollout} from '../../core/rollout/engine.js';
import {healthGates} from '../../factory.js';
import {ownerAlive} from '../../ui/rollout-health.js';
import {ingressFlag, paragraphs, RolloutCommand, rolloutArgs, rolloutExitCodes, rolloutSummary, rolloutTargetFlags} from '../../ui/rollout-command.js';
import {withEnv} from '../../ui/flags.js';

export default class RolloutResume extends RolloutCommand {
  static summary = 'Take over a rollout whose process was killed, and drive it on from its last step.';
  static description = paragraphs(
    'Reads the rollout from the Service (steps, gate settings, prior split) and goes on with the next step, gate first.',
    'Refused while the owner process still runs on this host, or when it ran on another host (pass --force once you know',
    'it is gone). A rollout gated by --check-cmd needs the same --check-cmd again (commands are not stored on the Service).',
    '',
    rolloutExitCodes,
  );
  static examples = ['<%= config.bin %> rollout resume', '<%= config.bin %> rollout resume hello --force --json'];
  static args = rolloutArgs;
  static flags = withEnv({
    ...rolloutTargetFlags,
    force: Flags.boolean({description: 'take over even though the owner may still run on another host'}),
    'check-cmd': Flags.string({description: 'the --check-cmd the rollout was started with'}),
    ingress: ingressFlag,
  });

  async run() {
    const {args, flags} = await this.parse(RolloutResume);
    const {ref, knative} = await this.target(args.name, flags);
    const {name} = ref;
    const [reach, diagnose, healthFor] = await Promise.all([this.reach(ref, flags), this.diagnose(flags), healthGates()]);
    const interrupt = this.interruptible();
    try {
      const outcome = await resumeRollout(
        {knative, ref, diagnose, healthFor: (settings) => healthFor(settings, flags['check-cmd'], reach), now: Date.now, owner: this.owner, ownerAlive, emit: this.eventSink(), newId: randomUUID},
        {force: flags.force},
        interrupt.signal,
      );
      if (!this.jsonEnabled()) this.log(rolloutSummary(outcome, name));
      return outcome;
    } finally {
      interrupt.dispose();
    }
  }
}
