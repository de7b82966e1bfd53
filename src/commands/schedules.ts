import {Args} from '@oclif/core';
import type {ScheduleInfo} from '../core/eventing.js';
import {eventStatus} from '../core/event-sync.js';
import {eventing} from '../factory.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, connectToFunction} from '../ui/cluster-flags.js';
import {schedulesTable} from '../ui/events-view.js';
import {pathFlag, withEnv} from '../ui/flags.js';

export default class Schedules extends FnCommand {
  static summary = "List a function's schedules: its PingSources, with cron, time zone, data and readiness.";
  static description = `The PingSources fn deploy made from fn.yaml's schedules.
Exit codes: 7 cluster unreachable, 9 RBAC denied.`;
  static examples = ['<%= config.bin %> schedules', '<%= config.bin %> schedules hello -n staging --json'];

  static args = {name: Args.string({description: "function name (default: fn.yaml's)"})};
  static flags = withEnv({path: pathFlag, ...clusterFlags});

  async run(): Promise<ScheduleInfo[]> {
    const {args, flags} = await this.parse(Schedules);
    const {ref} = await connectToFunction(flags, args.name);
    const {schedules} = eventStatus(await (await eventing({context: flags.context})).objectsOf(ref.namespace, ref.name));
    if (!this.jsonEnabled()) this.log(schedules.length ? schedulesTable(schedules) : `${ref.name} has no schedules in namespace ${ref.namespace} (add them to fn.yaml's schedules, then fn deploy)`);
    return schedules;
  }
}
