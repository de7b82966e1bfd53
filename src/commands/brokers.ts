import {Flags} from '@oclif/core';
import {namespaceNotFound} from '../core/errors.js';
import {brokerInfo, type BrokerInfo} from '../core/eventing.js';
import {eventing, knative} from '../factory.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags} from '../ui/cluster-flags.js';
import {brokersTable} from '../ui/events-view.js';
import {withEnv} from '../ui/flags.js';

export default class Brokers extends FnCommand {
  static summary = 'List the Knative Eventing brokers in a namespace, or all of them, with their readiness.';
  static description = 'Exit codes: 7 cluster unreachable, 8 namespace not found or Eventing not installed, 9 RBAC denied.';
  static examples = ['<%= config.bin %> brokers', '<%= config.bin %> brokers -A --json'];

  static flags = withEnv({
    'all-namespaces': Flags.boolean({char: 'A', description: 'list in every namespace', exclusive: ['namespace']}),
    ...clusterFlags,
  });

  async run(): Promise<BrokerInfo[]> {
    const {flags} = await this.parse(Brokers);
    const {knative: cluster, defaultNamespace} = await knative({context: flags.context});
    const namespace = flags['all-namespaces'] ? undefined : (flags.namespace ?? defaultNamespace);
    const brokers = (await (await eventing({context: flags.context})).brokers(namespace)).map(brokerInfo);
    if (namespace && brokers.length === 0 && (await cluster.namespaceExists(namespace)) === false) throw namespaceNotFound(namespace);
    if (!this.jsonEnabled()) {
      if (brokers.length === 0) this.log(`No brokers in ${namespace ? `namespace ${namespace}` : 'any namespace'}: create one with fn broker create default${namespace ? ` -n ${namespace}` : ''}`);
      else this.log(brokersTable(brokers, !namespace));
    }
    return brokers;
  }
}
