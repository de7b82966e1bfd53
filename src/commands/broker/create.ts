import {Args, Flags} from '@oclif/core';
import {createBroker, type CreateBrokerResult} from '../../core/brokers.js';
import {validateBrokerName} from '../../core/event-checks.js';
import {eventing, knative} from '../../factory.js';
import {FnCommand} from '../../ui/base-command.js';
import {clusterFlags, waitFlags, waitSeconds} from '../../ui/cluster-flags.js';
import {readinessText} from '../../ui/events-view.js';
import {interruptible} from '../../ui/interrupt.js';
import {withEnv} from '../../ui/flags.js';

export default class BrokerCreate extends FnCommand {
  static summary = 'Create a Knative Eventing broker and wait until it is Ready.';
  static description = `Functions subscribe to a broker (fn.yaml subscriptions, fn subscribe); events sent to it (fn invoke --broker) reach every subscriber whose filters match. A broker that exists already is left as it is (exit 0).
Exit codes: 2 bad name or flag, 3 it exists with another class, 7 cluster unreachable, 8 namespace not found or Eventing not installed, 9 RBAC denied, 12 not Ready within --timeout.`;
  static examples = ['<%= config.bin %> broker create default', '<%= config.bin %> broker create orders -n shop --class MTChannelBasedBroker'];

  static args = {name: Args.string({description: 'broker name', default: 'default', parse: async (name) => validateBrokerName(name, 'broker')})};
  static flags = withEnv({
    class: Flags.string({description: "broker class (default: the cluster's, usually MTChannelBasedBroker)"}),
    ...clusterFlags,
    ...waitFlags,
  });

  async run(): Promise<CreateBrokerResult> {
    const {args, flags} = await this.parse(BrokerCreate);
    const {defaultNamespace} = await knative({context: flags.context});
    const interrupt = interruptible();
    try {
      const result = await createBroker(
        await eventing({context: flags.context}),
        {namespace: flags.namespace ?? defaultNamespace, name: args.name, brokerClass: flags.class, wait: !flags['no-wait'], timeoutSeconds: waitSeconds(flags.timeout), signal: interrupt.signal},
        this.progress,
      );
      if (!this.jsonEnabled()) this.log(`Broker ${result.broker.name} in ${result.broker.namespace}: ${readinessText(result.broker)}${result.broker.url ? `\nURL: ${result.broker.url}` : ''}`);
      return result;
    } finally {
      interrupt.dispose();
    }
  }
}
