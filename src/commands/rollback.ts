import {Args, Flags} from '@oclif/core';
import {changeTraffic, type TrafficResult} from '../core/traffic-change.js';
import {describeTraffic, rollbackTraffic, type RollbackChange} from '../core/traffic.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, connectToFunction, waitSeconds, waitFlags} from '../ui/cluster-flags.js';
import {podDiagnosis} from '../factory.js';
import {pathFlag} from '../ui/flags.js';

export default class Rollback extends FnCommand {
  static summary = 'Send all traffic back to the previous ready revision (or the one named).';
  static description = `Without REVISION: the newest ready revision older than the one taking the most traffic now. REVISION may be a revision name, a tag or a generation (2 or 00002). Tags are kept (at 0%) so their URLs keep working. The split is pinned: a later fn deploy sends traffic to the new revision again.
Exit codes: 7 cluster unreachable, 8 function or revision not found / no earlier ready revision, 9 RBAC denied, 11 the revision is not ready, 12 not routed within --timeout.`;
  static examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback hello-00002 --name hello -n staging', '<%= config.bin %> rollback v1'];

  static args = {revision: Args.string({description: 'revision, tag or generation to send all traffic to (default: the previous ready one)'})};

  static flags = {
    name: Flags.string({description: 'function name (default: fn.yaml\'s)'}),
    path: pathFlag,
    ...clusterFlags,
    ...waitFlags,
  };

  async run(): Promise<TrafficResult & {from?: string; to: string}> {
    const {args, flags} = await this.parse(Rollback);
    const timeoutSeconds = waitSeconds(flags.timeout);
    const {knative, ref} = await connectToFunction(flags, flags.name);
    let change: RollbackChange | undefined;
    const result = await changeTraffic(
      knative,
      ref,
      (state) => (change = rollbackTraffic(state, args.revision)),
      {wait: !flags['no-wait'], timeoutSeconds, diagnose: await podDiagnosis({context: flags.context}, (m) => this.progress.detail(m))},
      this.progress,
    );
    const {from, to} = change!;
    if (!this.jsonEnabled()) {
      this.log(result.changed ? `Rolled back ${ref.name}${from ? ` from ${from}` : ''} to ${to}` : `${ref.name} already sends all traffic to ${to}`);
      this.log(`Traffic: ${describeTraffic(result.routed.length ? result.routed : result.traffic)}`);
    }
    return {...result, ...(from ? {from} : {}), to};
  }
}
