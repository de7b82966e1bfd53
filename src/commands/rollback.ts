import {Args, Flags} from '@oclif/core';
import {changeTraffic, type TrafficResult} from '../core/traffic-change.js';
import {describeTraffic, rollbackTraffic, type RollbackChange} from '../core/traffic.js';
import {describeShares, type Share} from '../core/traffic-history.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, connectToFunction, waitSeconds, waitFlags} from '../ui/cluster-flags.js';
import {podDiagnosis} from '../factory.js';
import {pathFlag, withEnv} from '../ui/flags.js';

export default class Rollback extends FnCommand {
  static summary = 'Undo the last traffic change (or send all traffic to the revision named).';
  static description = `Without REVISION: the split that served before the last traffic change of fn deploy, fn traffic, fn rollback REVISION or a finished fn rollout (the split from before the rollout), as recorded on the Service (annotation fn.dev/traffic-history); a second rollback goes one change further back. It is refused when the live split is no longer the one that change made (another tool, or a rollout still running, moved traffic since) or there is no record: then name the revision. REVISION may be a revision name, a tag or a generation (2 or 00002): all traffic goes to it. Tags are kept so their URLs keep working. The split is pinned: a later fn deploy sends traffic to the new revision again.
Exit codes: 3 the split was changed by another writer while waiting, 7 cluster unreachable, 8 function or revision not found / nothing recorded to roll back to, 9 RBAC denied, 11 the revision is not ready, 12 not routed within --timeout.`;
  static examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback hello-00002 --name hello -n staging', '<%= config.bin %> rollback v1'];

  static args = {revision: Args.string({description: 'revision, tag or generation to send all traffic to (default: the previous ready one)'})};

  static flags = withEnv({
    name: Flags.string({description: 'function name (default: fn.yaml\'s)'}),
    path: pathFlag,
    ...clusterFlags,
    ...waitFlags,
  });

  async run(): Promise<TrafficResult & {from?: string; to: string; restored: Share[]}> {
    const {args, flags} = await this.parse(Rollback);
    const timeoutSeconds = waitSeconds(flags.timeout);
    const {knative, ref} = await connectToFunction(flags, flags.name);
    let change: RollbackChange | undefined;
    const result = await changeTraffic(
      knative,
      ref,
      (state) => (change = rollbackTraffic(state, args.revision)),
      {wait: !flags['no-wait'], timeoutSeconds, by: 'rollback', diagnose: await podDiagnosis({context: flags.context}, (m) => this.progress.detail(m))},
      this.progress,
    );
    const {from, to, restored, undone} = change!;
    if (!this.jsonEnabled()) {
      const what = undone ? `the split from before fn ${undone.by} at ${undone.at}: ${describeShares(restored)}` : to;
      this.log(result.changed ? `Rolled back ${ref.name}${from ? ` from ${from}` : ''} to ${what}` : `${ref.name} already sends all traffic to ${to}`);
      this.log(`Traffic: ${describeTraffic(result.routed.length ? result.routed : result.traffic)}`);
    }
    return {...result, ...(from ? {from} : {}), to, restored};
  }
}
