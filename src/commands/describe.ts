import {Args} from '@oclif/core';
import type {Condition, TrafficTarget} from '../core/knative.js';
import {functionNotFound} from '../core/errors.js';
import {describeTraffic, tagUrls, type TagUrl} from '../core/traffic.js';
import {FnCommand} from '../ui/base-command.js';
import {age, clusterFlags, connectToFunction} from '../ui/cluster-flags.js';
import {pathFlag, withEnv} from '../ui/flags.js';
import {screenTable} from '../ui/table.js';
import {eventStatus, visibleEventObjects, type EventStatus} from '../core/event-sync.js';
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
  /** Each revision in the split (or tagged), with the image it runs. */
  serving: Array<{revision: string; percent: number; tags: string[]; image?: string}>;
  conditions: Condition[];
  createdAt?: string;
  /** Its Triggers (fn.yaml subscriptions) and PingSources (schedules). */
  subscriptions: EventStatus['subscriptions'];
  schedules: EventStatus['schedules'];
}

export default class Describe extends FnCommand {
  static summary = 'Show a deployed function: URL, tag URLs, revisions, traffic, conditions, subscriptions and schedules.';
  static description = `Shows the image each revision in the split (or tagged) runs, and the function's Triggers and PingSources.
Exit codes: 7 cluster unreachable, 8 function not found, 9 RBAC denied.`;
  static examples = ['<%= config.bin %> describe', '<%= config.bin %> describe hello -n staging --json'];

  static args = {name: Args.string({description: 'function name (default: fn.yaml\'s)'})};
  static flags = withEnv({path: pathFlag, ...clusterFlags});

  async run(): Promise<Description> {
    const {args, flags} = await this.parse(Describe);
    const {knative, ref} = await connectToFunction(flags, args.name);
    const events = await eventing({context: flags.context});
    const [fn, objects] = await Promise.all([knative.get(ref), visibleEventObjects(events, ref.namespace, ref.name)]);
    if (!fn) throw functionNotFound(ref);
    const traffic = fn.statusTraffic.length ? fn.statusTraffic : fn.traffic;
    const names = [...new Set(traffic.map((t) => t.revisionName ?? (t.latestRevision ? fn.latestReadyRevisionName : undefined)).filter((n): n is string => Boolean(n)))];
    const infos = await Promise.all(names.map((n) => knative.revision(ref.namespace, n)));
    const serving = names.map((revision, i) => {
      const entries = traffic.filter((t) => (t.revisionName ?? fn.latestReadyRevisionName) === revision);
      const image = infos[i]?.image;
      return {revision, percent: entries.reduce((sum, t) => sum + (t.percent ?? 0), 0), tags: entries.flatMap((t) => (t.tag ? [t.tag] : [])), ...(image ? {image} : {})};
    });
    const result: Description = {
      name: fn.name,
      namespace: fn.namespace,
      routing: fn.routing,
      ...(fn.url ? {url: fn.url} : {}),
      tags: tagUrls(fn),
      ...(fn.template?.spec.containers[0]?.image ? {image: fn.template.spec.containers[0].image} : {}),
      ...(fn.latestCreatedRevisionName ? {latestCreatedRevision: fn.latestCreatedRevisionName} : {}),
      ...(fn.latestReadyRevisionName ? {latestReadyRevision: fn.latestReadyRevisionName} : {}),
      traffic,
      serving,
      conditions: fn.conditions,
      ...(fn.createdAt ? {createdAt: fn.createdAt} : {}),
      ...eventStatus(objects ?? {triggers: [], pingSources: []}),
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
        ...result.serving.map((r) => `  ${r.revision} ${r.percent}%${r.tags.length ? ` (${r.tags.join(', ')})` : ''}: ${r.image ?? '(image unknown)'}`),
        `Age:        ${age(result.createdAt)}`,
        '',
        screenTable(
          result.conditions.map((c) => ({type: c.type, status: c.status, reason: c.reason ?? '', message: c.message ?? ''})),
          ['type', 'status', 'reason', 'message'],
          {headers: ['CONDITION', 'STATUS', 'REASON', 'MESSAGE'], shrink: {message: 'end'}},
        ),
        ...(result.subscriptions.length ? ['', triggersTable(result.subscriptions)] : []),
        ...(result.schedules.length ? ['', schedulesTable(result.schedules)] : []),
      ];
      this.log(lines.join('\n'));
    }
    return result;
  }
}
