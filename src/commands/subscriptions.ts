import {Args} from '@oclif/core';
import type {TriggerInfo} from '../core/eventing.js';
import {eventStatus} from '../core/event-sync.js';
import {eventing} from '../factory.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, connectToFunction} from '../ui/cluster-flags.js';
import {triggersTable} from '../ui/events-view.js';
import {pathFlag, withEnv} from '../ui/flags.js';

export default class Subscriptions extends FnCommand {
  static aliases = ['triggers'];
  static summary = "List a function's subscriptions: its Triggers, with broker, filters, readiness and Knative's reason.";
  static description = `The Triggers fn deploy made from fn.yaml's subscriptions (fn subscribe adds one there).
Exit codes: 7 cluster unreachable, 9 RBAC denied.`;
  static examples = ['<%= config.bin %> subscriptions', '<%= config.bin %> triggers hello -n staging --json'];

  static args = {name: Args.string({description: "function name (default: fn.yaml's)"})};
  static flags = withEnv({path: pathFlag, ...clusterFlags});

  async run(): Promise<TriggerInfo[]> {
    const {args, flags} = await this.parse(Subscriptions);
    const {ref} = await connectToFunction(flags, args.name);
    const {subscriptions} = eventStatus(await (await eventing({context: flags.context})).objectsOf(ref.namespace, ref.name));
    if (!this.jsonEnabled()) this.log(subscriptions.length ? triggersTable(subscriptions) : `${ref.name} has no subscriptions in namespace ${ref.namespace} (add one to fn.yaml with fn subscribe, then fn deploy)`);
    return subscriptions;
  }
}
