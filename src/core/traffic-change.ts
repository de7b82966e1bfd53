// fn traffic and fn rollback: read → compute the new block → one write (with fn's traffic history,
// traffic-history.ts) → watch until it is routed. The Knative port's update guards the write (it names
// the resourceVersion the block was computed from; when another writer got there first the port reads
// again and the block is computed again); a writer after ours that replaces the block while fn waits
// is reported (TRAFFIC_OVERWRITTEN), never taken for ours.
// Before the write, target revisions that are not Ready get a short look at their pods (one that
// cannot start is refused, nothing written); one that fails while routing gets the prior split
// written back. readTrafficState is the read alone (fn revisions, fn revisions prune).
import {FnError, functionNotFound} from './errors.js';
import type {DeployedFunction, FunctionRef, Knative, Progress, RevisionInfo} from './ports.js';
import {ConditionsSeen, newConditionLines, notReadyError, trafficOutcome} from './readiness.js';
import {describeTraffic, sameTraffic, tagUrls, type TagUrl, type TrafficChange, type TrafficState, type TrafficTarget} from './traffic.js';
import {historyAsBefore, recordChange, type ChangeKind} from './traffic-history.js';
import {sideBySide} from './side-by-side.js';
import {revisionFailedError, type RevisionDiagnosis} from './pod-failure.js';
import {DiagnosedFailure, podFailureNow, waitWatchingPods} from './pod-watched-wait.js';

export interface TrafficChangeOptions {
  dryRun?: boolean;
  wait: boolean;
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** Looks at the pods of target revisions that are not ready: one that cannot start is refused. */
  diagnose?: RevisionDiagnosis;
  /** What the traffic history records the change as (default: traffic). */
  by?: ChangeKind;
}

/** How long the look before the write may take: a crash loop or a pull error shows in the first read. */
const PRE_WRITE_LOOK_MS = 2000;

/** Revisions the block sends traffic to (or tags) that Knative does not report Ready. */
function unreadyTargets(traffic: TrafficTarget[], revisions: RevisionInfo[]): string[] {
  const named = new Set(traffic.map((t) => t.revisionName).filter((n): n is string => Boolean(n)));
  return revisions.filter((r) => named.has(r.name) && r.ready !== 'True').map((r) => r.name);
}

export interface TrafficResult {
  service: string;
  namespace: string;
  /** False when the computed block equals the current one (nothing written). */
  changed: boolean;
  dryRun: boolean;
  /** The block written (spec.traffic). */
  traffic: TrafficTarget[];
  /** What Knative routes now (status.traffic), after waiting. */
  routed: TrafficTarget[];
  url?: string;
  tags: TagUrl[];
  notes: string[];
}

/** One Service (or Route+Configuration) read and one Revision list, side by side. */
export async function readTrafficState(knative: Knative, ref: FunctionRef, options: {cached?: boolean} = {}): Promise<{fn: DeployedFunction; state: TrafficState}> {
  const [fn, revisions] = await sideBySide([knative.get(ref), knative.revisions(ref, options)] as const);
  if (!fn) throw functionNotFound(ref);
  return {fn, state: {...fn, revisions}};
}

export async function changeTraffic(
  knative: Knative,
  ref: FunctionRef,
  compute: (state: TrafficState, fn: DeployedFunction) => TrafficChange,
  options: TrafficChangeOptions,
  progress: Progress,
): Promise<TrafficResult> {
  // The revision list goes out alongside the port's read; a retry lists again with the fresh read.
  const firstList = knative.revisions(ref);
  firstList.catch(() => undefined);
  let change: TrafficChange | undefined;
  let before: DeployedFunction | undefined;
  let unready: string[] = [];
  const {fn: written} = await knative.update(
    ref,
    async (current, attempt) => {
      if (!current) throw functionNotFound(ref);
      if (attempt > 1) progress.detail(`${ref.name} changed while computing the split; reading it again`);
      const revisions: RevisionInfo[] = attempt === 1 ? await firstList : await knative.revisions(ref);
      before = current;
      change = compute({...current, revisions}, current);
      if (sameTraffic(change.traffic, current.traffic)) return undefined;
      // A target that can never start is refused before anything is written.
      unready = unreadyTargets(change.traffic, revisions);
      const failed = await podFailureNow(options.diagnose, ref.namespace, unready, PRE_WRITE_LOOK_MS);
      if (failed) throw revisionFailedError(ref.name, ref.namespace, failed.revision, failed.failure);
      // What served before goes into fn's traffic history in the same write (what fn rollback undoes).
      const annotations = change.annotations ?? recordChange(current, change.traffic, {by: options.by ?? 'traffic', at: new Date().toISOString()});
      return {kind: 'traffic', traffic: change.traffic, annotations};
    },
    {dryRun: options.dryRun},
  );
  const changed = !sameTraffic(change!.traffic, before!.traffic);
  for (const note of change!.notes) progress.info(note);
  let final = written!;
  if (!changed) {
    // The block asked for is the spec; it is "already routed" only when Knative says so.
    const outcome = trafficOutcome(final);
    if (outcome === 'failed') throw notReadyError(final, undefined, false, options.timeoutSeconds);
    if (outcome === 'ready') progress.step(`${ref.name} already routes ${describeTraffic(change!.traffic)}`);
    else progress.step(`${ref.name}'s spec already says ${describeTraffic(change!.traffic)}; Knative has not routed it yet`);
    if (outcome === 'pending' && options.wait) final = await routed(knative, final, options, progress);
  } else if (options.dryRun) progress.step(`Would route ${ref.name}: ${describeTraffic(change!.traffic)} (dry run: the cluster accepted it, nothing changed)`);
  else progress.step(`Routing ${ref.name}: ${describeTraffic(change!.traffic)}`);

  if (changed && !options.dryRun && options.wait) {
    final = await waitWatchingPods(options.diagnose, ref.namespace, unready, options.signal, (signal) => routed(knative, final, {...options, signal}, progress)).catch(async (e) => {
      if (!(e instanceof DiagnosedFailure)) throw e;
      // Put back the split from before (unless someone changed it since), so nothing is left half-done.
      const wrote = final.traffic;
      await knative.update(
        ref,
        async (current) => (current && sameTraffic(current.traffic, wrote) ? {kind: 'traffic', traffic: before!.traffic, annotations: historyAsBefore(before!.annotations)} : undefined),
        {},
      );
      progress.warn(`${ref.name}: revision ${e.revision} cannot start, so the split from before was put back: ${describeTraffic(before!.traffic)}`);
      throw revisionFailedError(ref.name, ref.namespace, e.revision, e.failure);
    });
  }
  return {
    service: ref.name,
    namespace: ref.namespace,
    changed,
    dryRun: Boolean(options.dryRun),
    traffic: change!.traffic,
    routed: final.statusTraffic,
    ...(final.url ? {url: final.url} : {}),
    tags: tagUrls(final),
    notes: change!.notes,
  };
}

/**
 * Watches until Knative routes `from`'s spec.traffic (or the route fails, exit 11; or the timeout,
 * exit 12). A later writer replacing that block ends the wait: exit 3, with what was written and what
 * is live, so no one reports another writer's split as theirs.
 */
async function routed(knative: Knative, from: DeployedFunction, options: {timeoutSeconds: number; signal?: AbortSignal}, progress: Progress): Promise<DeployedFunction> {
  const seen = new ConditionsSeen();
  const ours = (f: DeployedFunction) => sameTraffic(f.traffic, from.traffic);
  const {fn, timedOut} = await knative.watchUntil(from, (f) => !ours(f) || trafficOutcome(f) !== 'pending', {
    timeoutSeconds: options.timeoutSeconds,
    signal: options.signal,
    onUpdate: (f) => {
      if (f.observed) for (const line of newConditionLines(f, seen)) progress.detail(line);
    },
  });
  if (!ours(fn)) {
    progress.warn(`${fn.name}: the split written (${describeTraffic(from.traffic)}) was overwritten by another writer before Knative routed it; live now: ${describeTraffic(fn.traffic)}`);
    throw new FnError('TRAFFIC_OVERWRITTEN', 'conflict', `${fn.name}'s split was replaced by another writer before Knative routed it: this command wrote ${describeTraffic(from.traffic)}, spec.traffic is now ${describeTraffic(fn.traffic)}`, {
      suggestion: `see who changes it (fn traffic ${fn.name} shows the split), then set it again with fn traffic --split if yours should win`,
      details: {service: fn.name, namespace: fn.namespace, written: from.traffic, live: fn.traffic, routed: fn.statusTraffic},
    });
  }
  if (trafficOutcome(fn) !== 'ready') throw notReadyError(fn, undefined, timedOut, options.timeoutSeconds);
  return fn;
}
