import {Args, Flags} from '@oclif/core';
import {functionNotFound} from '../core/errors.js';
import {changeTraffic, type TrafficResult} from '../core/traffic-change.js';
import {computeTraffic, describeTraffic, isEmptyRequest, parseTrafficRequest, tagUrls, trafficSettled, type TagUrl, type TrafficTarget} from '../core/traffic.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, connectToFunction, waitSeconds, waitFlags} from '../ui/cluster-flags.js';
import {podDiagnosis} from '../factory.js';
import {pathFlag, withEnv} from '../ui/flags.js';
import {screenTable} from '../ui/table.js';

export interface TrafficView {
  service: string;
  namespace: string;
  url?: string;
  /** What Knative routes now (status.traffic). */
  routed: TrafficTarget[];
  /** As written (spec.traffic); differs from routed while Knative catches up. */
  traffic: TrafficTarget[];
  tags: TagUrl[];
  /** True once status.traffic shows what spec.traffic says. */
  settled: boolean;
}

export default class Traffic extends FnCommand {
  static summary = 'Show or split traffic between revisions; tag and untag them.';
  static description = `Keys name a tag, a revision, a revision's generation (00002 or 2), or @latest (follows the newest ready revision). Percentages are whole numbers (an optional %) and must add up to 100; targets left out drop to 0% (tagged ones keep their tag URL). Order: --untag, then --tag, then --split.
Everything is checked before the cluster changes: a bad or unknown key (one that names no existing revision or tag) fails listing the revisions and tags that exist. One write, guarded against concurrent changes, recorded for fn rollback; then waits until Knative reports the split. A split already in the spec is "already routed" only when Knative says so.
Exit codes: 2 bad flags (sum, format, duplicates), 3 another writer replaced the split before Knative routed it (details.written, details.live), 7 cluster unreachable, 8 function, revision or tag not found, 9 RBAC denied, 10 rejected by Knative, 11 a target failed, 12 not routed within --timeout.`;
  static examples = [
    '<%= config.bin %> traffic',
    '<%= config.bin %> traffic --split v1=90,v2=10',
    '<%= config.bin %> traffic hello --split @latest=100 --untag canary',
    '<%= config.bin %> traffic --tag hello-00002=canary --split 1=80,canary=20 --dry-run',
  ];

  static args = {name: Args.string({description: 'function name (default: fn.yaml\'s)'})};

  static flags = withEnv({
    split: Flags.string({char: 's', description: 'KEY=PERCENT pairs, comma-separated (repeatable)', multiple: true}),
    tag: Flags.string({description: 'REVISION=TAG: give a revision a tag and its own URL (repeatable)', multiple: true}),
    untag: Flags.string({description: 'remove a tag (repeatable)', multiple: true}),
    'dry-run': Flags.boolean({description: 'compute the split and have the cluster validate it, without changing anything'}),
    path: pathFlag,
    ...clusterFlags,
    ...waitFlags,
  });

  async run(): Promise<TrafficResult | TrafficView> {
    const {args, flags} = await this.parse(Traffic);
    // Parsed and sum-checked before the cluster is contacted.
    const request = parseTrafficRequest({split: flags.split, tag: flags.tag, untag: flags.untag});
    const timeoutSeconds = waitSeconds(flags.timeout);
    const {knative, ref} = await connectToFunction(flags, args.name);

    if (isEmptyRequest(request)) {
      const fn = await knative.get(ref);
      if (!fn) throw functionNotFound(ref);
      const view: TrafficView = {service: fn.name, namespace: fn.namespace, ...(fn.url ? {url: fn.url} : {}), routed: fn.statusTraffic, traffic: fn.traffic, tags: tagUrls(fn), settled: trafficSettled(fn)};
      if (!this.jsonEnabled()) this.log(renderTraffic(view));
      return view;
    }

    const result = await changeTraffic(
      knative,
      ref,
      (state) => computeTraffic(state, request),
      {dryRun: flags['dry-run'], wait: !flags['no-wait'], timeoutSeconds, diagnose: await podDiagnosis({context: flags.context}, (m) => this.progress.detail(m))},
      this.progress,
    );
    if (!this.jsonEnabled()) {
      this.log(renderTraffic({service: result.service, namespace: result.namespace, url: result.url, routed: result.routed, traffic: result.traffic, tags: result.tags, settled: !result.changed || (!flags['no-wait'] && !result.dryRun)}));
    }
    return result;
  }
}

export function renderTraffic(view: TrafficView): string {
  const routed = view.routed.length ? view.routed : view.traffic;
  const rows = routed.map((t) => ({
    tag: t.tag ?? '',
    revision: t.revisionName ?? '',
    latest: t.latestRevision ? 'yes' : '',
    percent: `${t.percent ?? 0}%`,
    url: t.url ?? '',
  }));
  const lines = [`${view.service} (${view.namespace})${view.url ? `  ${view.url}` : ''}`, screenTable(rows, ['tag', 'revision', 'latest', 'percent', 'url'], {headers: ['TAG', 'REVISION', '@LATEST', 'PERCENT', 'URL'], shrink: {url: 'middle'}})];
  if (!view.settled) lines.push(`Written, not yet routed by Knative: ${describeTraffic(view.traffic)}`);
  return lines.join('\n');
}
