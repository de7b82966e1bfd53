import {Args} from '@oclif/core';
import type {Condition, TrafficTarget} from '../core/knative.js';
import {functionNotFound} from '../core/errors.js';
import {describeTraffic, tagUrls, type TagUrl} from '../core/traffic.js';
import {FnCommand} from '../ui/base-command.js';
import {age, clusterFlags, connectToFunction} from '../ui/cluster-flags.js';
import {pathFlag} from '../ui/flags.js';
import {table} from '../ui/table.js';
import {eventStatus, type EventStatus} from '../core/event-sync.js';
import {eventing} from '../factory.js';
import {schedulesTable, triggersTable} from '../ui/events-view.js';

export interface Description {
  name: string;
  namespace: string;
  routing: 'service' | 'route';
  url?: string;
  tags: TagUrl[];
  image?: string;
  latestCreatedRevision?: string;
  latestReadyRevision?: string;
  traffic: TrafficTarget[];
  conditions: Condition[];
  createdAt?: string;
  /** Its Triggers (fn.yaml subscriptions) and PingSources (schedules). */
  subscriptions: EventStatus['subscriptions'];
  schedules: EventStatus['schedules'];
}

export default class Describe extends FnCommand {
  static summary = 'Show a deployed function: URL, tag URLs, revisions, traffic, conditions, subscriptions and schedules.';
  static description = 'Exit codes: 7 cluster unreachable, 8 function not found, 9 RBAC denied.';
  static examples = ['<%= config.bin %> describe', '<%= config.bin %> describe hello -n staging --json'];

  static args = {name: Args.string({description: 'function name (default: fn.yaml\'s)'})};
  static flags = {path: pathFlag, ...clusterFlags};

  async run(): Promise<Description> {
    const {args, flags} = await this.parse(Describe);
    const {knative, ref} = await connectToFunction(flags, args.name);
    const events = await eventing({context: flags.context});
    const [fn, objects] = await Promise.all([knative.get(ref), events.objectsOf(ref.namespace, ref.name)]);
    if (!fn) throw functionNotFound(ref);
    const result: Description = {
      name: fn.name,
      namespace: fn.namespace,
      routing: fn.routing,
      ...(fn.url ? {url: fn.url} : {}),
      tags: tagUrls(fn),
      ...(fn.template?.spec.containers[0]?.image ? {image: fn.template.spec.containers[0].image} : {}),
      ...(fn.latestCreatedRevisionName ? {latestCreatedRevision: fn.latestCreatedRevisionName} : {}),
      ...(fn.latestReadyRevisionName ? {latestReadyRevision: fn.latestReadyRevisionName} : {}),
      traffic: fn.statusTraffic.length ? fn.statusTraffic : fn.traffic,
      conditions: fn.conditions,
      ...(fn.createdAt ? {createdAt: fn.createdAt} : {}),
      ...eventStatus(objects),
    };
    if (!this.jsonEnabled()) {
      const lines = [
        `Name:       ${result.name}`,
        `Namespace:  ${result.namespace}`,
        `Routing:    ${result.routing === 'service' ? 'Knative Service' : 'Configuration + Route'}`,
        `URL:        ${result.url ?? '(none yet)'}`,
        ...result.tags.map((t) => `Tag ${t.tag}:${' '.repeat(Math.max(1, 7 - t.tag.length))}${t.url ?? '(no URL yet)'}${t.revision ? `  → ${t.revision}` : ''}`),
        `Image:      ${result.image ?? ''}`,
        `Latest:     created ${result.latestCreatedRevision ?? '-'}, ready ${result.latestReadyRevision ?? '-'}`,
        `Traffic:    ${describeTraffic(result.traffic)}`,
        `Age:        ${age(result.createdAt)}`,
        '',
        table(
          result.conditions.map((c) => ({type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? ''})),
          ['type', 'status', 'reason', 'message'],
          ['CONDITION', 'STATUS', 'REASON', 'MESSAGE'],
        ),
        ...(result.subscriptions.length ? ['', triggersTable(result.subscriptions)] : []),
        ...(result.schedules.length ? ['', schedulesTable(result.schedules)] : []),
      ];
      this.log(lines.join('\n'));
    }
    return result;
  }
}
