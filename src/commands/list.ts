import {Flags} from '@oclif/core';
import {condition} from '../core/knative.js';
import {namespaceNotFound} from '../core/errors.js';
import {FnCommand} from '../ui/base-command.js';
import {age, clusterFlags} from '../ui/cluster-flags.js';
import {knative} from '../factory.js';
import {screenTable} from '../ui/table.js';
import {withEnv} from '../ui/flags.js';

export interface Listed {
  name: string;
  namespace: string;
  routing: 'service' | 'route';
  url?: string;
  latestRevision?: string;
  ready: string;
  reason?: string;
  managedByFn: boolean;
  createdAt?: string;
}

export default class List extends FnCommand {
  static summary = 'List the functions (Knative Services and standalone Routes) in a namespace, or all of them.';
  static description = 'Exit codes: 7 cluster unreachable, 8 namespace not found, 9 RBAC denied.';
  static examples = ['<%= config.bin %> list', '<%= config.bin %> list -A', '<%= config.bin %> list -n staging --json'];

  static flags = withEnv({
    'all-namespaces': Flags.boolean({char: 'A', description: 'list in every namespace', exclusive: ['namespace']}),
    ...clusterFlags,
  });

  async run(): Promise<Listed[]> {
    const {flags} = await this.parse(List);
    const {knative: functions, defaultNamespace} = await knative({context: flags.context});
    const namespace = flags['all-namespaces'] ? undefined : (flags.namespace ?? defaultNamespace);
    const fns = await functions.list(namespace);
    // A list in a namespace that does not exist is empty, as in one with nothing: say which (exit 8, as every command does).
    if (namespace && fns.length === 0 && (await functions.namespaceExists(namespace)) === false) throw namespaceNotFound(namespace);
    const rows: Listed[] = fns.map((fn) => {
      const ready = condition(fn.conditions, 'Ready');
      return {
        name: fn.name,
        namespace: fn.namespace,
        routing: fn.routing,
        ...(fn.url ? {url: fn.url} : {}),
        ...(fn.latestReadyRevisionName ?? fn.latestCreatedRevisionName ? {latestRevision: fn.latestReadyRevisionName ?? fn.latestCreatedRevisionName} : {}),
        ready: ready?.status ?? 'Unknown',
        ...(ready?.reason ? {reason: ready.reason} : {}),
        managedByFn: fn.labels['app.kubernetes.io/managed-by'] === 'fn',
        ...(fn.createdAt ? {createdAt: fn.createdAt} : {}),
      };
    });
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.log(namespace ? `No functions in namespace ${namespace}` : 'No functions in any namespace');
      else {
        const columns = [...(namespace ? [] : ['namespace' as const]), 'name' as const, 'url' as const, 'latest' as const, 'ready' as const, 'reason' as const, 'age' as const];
        const now = Date.now();
        this.log(screenTable(rows.map((r) => ({...r, latest: r.latestRevision ?? '', age: age(r.createdAt, now), reason: r.reason ?? ''})), columns, {shrink: {url: 'middle', reason: 'end'}}));
      }
    }
    return rows;
  }
}
