import {Args, Flags} from '@oclif/core';
import {functionNotFound} from '../core/errors.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, connectToFunction} from '../ui/cluster-flags.js';
import {eventing} from '../factory.js';
import {visibleEventObjects} from '../core/event-sync.js';
import {pathFlag, withEnv} from '../ui/flags.js';

export default class Delete extends FnCommand {
  static summary = 'Delete a deployed function, all its revisions, and its subscriptions and schedules.';
  static description = `Deletes the function's Triggers and PingSources (fn.yaml subscriptions and schedules), then the Knative Service (or the Configuration and Route); Kubernetes removes its revisions. Asks first on a terminal; elsewhere (CI, pipes) needs --yes. The function's folder is left alone.
Waits until Knative has removed the objects unless --no-wait.
Exit codes: 2 --yes missing when not interactive, 7 cluster unreachable, 8 function not found, 9 RBAC denied, 12 still being deleted after 2 minutes.`;
  static examples = ['<%= config.bin %> delete', '<%= config.bin %> delete hello -n staging --yes'];

  static args = {name: Args.string({description: 'function name (default: fn.yaml\'s)'})};
  static flags = withEnv({
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation'}),
    'no-wait': Flags.boolean({description: 'return once deletion started, without waiting until the objects are gone'}),
    path: pathFlag,
    ...clusterFlags,
  });

  async run(): Promise<{name: string; namespace: string; deleted: boolean; triggers?: string[]; schedules?: string[]}> {
    const {args, flags} = await this.parse(Delete);
    const {knative, ref} = await connectToFunction(flags, args.name);
    const question = {
      yes: flags.yes,
      action: `deleting ${ref.name} (namespace "${ref.namespace}")`,
      question: `Delete ${ref.name} in namespace ${ref.namespace} and all its revisions?`,
      suggestion: `pass --yes: fn delete ${ref.name} -n ${ref.namespace} --yes`,
    };
    // Not asked in CI even when the function is missing: the answer (exit 2) does not depend on the cluster.
    if (!flags.yes && !this.interactive) await this.confirmed(question);
    const events = await eventing({context: flags.context});
    const [fn, objects] = await Promise.all([knative.get(ref), visibleEventObjects(events, ref.namespace, ref.name)]);
    if (!fn) throw functionNotFound(ref);
    if (!(await this.confirmed(question))) {
      this.log('Nothing deleted');
      return {name: ref.name, namespace: ref.namespace, deleted: false};
    }
    // Its event wiring first: a Trigger left pointing at a deleted function only fails (they are owned
    // by it too, but the garbage collector takes its time).
    // (Not allowed to list them: the garbage collector deletes them with the function they are owned by.)
    if (objects) await events.delete(objects);
    await knative.delete({...ref, routing: fn.routing}, {wait: !flags['no-wait'], timeoutSeconds: 120});
    const triggers = objects?.triggers.map((t) => t.metadata.name) ?? [];
    const schedules = objects?.pingSources.map((p) => p.metadata.name) ?? [];
    if (!this.jsonEnabled()) {
      const wiring = [...(triggers.length ? [`Triggers ${triggers.join(', ')}`] : []), ...(schedules.length ? [`PingSources ${schedules.join(', ')}`] : [])];
      this.log(`Deleted ${ref.name} from namespace ${ref.namespace}${wiring.length ? ` with its ${wiring.join(' and ')}` : ''}`);
    }
    return {name: ref.name, namespace: ref.namespace, deleted: true, triggers, schedules};
  }
}
