// fn traffic and fn rollback: read → compute the new block → one write → watch until it is routed.
// The Knative port's update guards the write (it names the resourceVersion the block was computed
// from; when another writer got there first the port reads again and the block is computed again).
// Before the write, target revisions that are not Ready get a short look at their pods (one that
// cannot start is refused, nothing written); one that fails while routing gets the prior split
// written back. readTrafficState is the read alone (fn revisions, fn revisions prune).
import {functionNotFound} from './errors.js';
import type {DeployedFunction, FunctionRef, Knative, Progress, RevisionInfo} from './ports.js';
import {newConditionLines, notReadyError, trafficOutcome} from './readiness.js';
import {tagUrls, type TagUrl} from './deploy.js';
import {describeTraffic, sameTraffic, type TrafficChange, type TrafficState, type TrafficTarget} from './traffic.js';
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
      return {kind: 'traffic', traffic: change.traffic};
    },
    {dryRun: options.dryRun},
  );
  const changed = !sameTraffic(change!.traffic, before!.traffic);
  for (const note of change!.notes) progress.info(note);
  if (!changed) progress.step(`${ref.name} already routes ${describeTraffic(change!.traffic)}`);
  else if (options.dryRun) progress.step(`Would route ${ref.name}: ${describeTraffic(change!.traffic)} (dry run: the cluster accepted it, nothing changed)`);
  else progress.step(`Routing ${ref.name}: ${describeTraffic(change!.traffic)}`);

  let final = written!;
  if (changed && !options.dryRun && options.wait) {
    const seen = new Map<string, string>();
    const {fn, timedOut} = await waitWatchingPods(options.diagnose, ref.namespace, unready, options.signal, (signal) =>
      knative.watchUntil(final, (f) => trafficOutcome(f) !== 'pending', {
        timeoutSeconds: options.timeoutSeconds,
        signal,
        onUpdate: (f) => {
          if (f.observed) for (const line of newConditionLines(f, seen)) progress.detail(line);
        },
      }),
    ).catch(async (e) => {
      if (!(e instanceof DiagnosedFailure)) throw e;
      // Put back the split from before (unless someone changed it since), so nothing is left half-done.
      const wrote = change!.traffic;
      await knative.update(ref, async (current) => (current && sameTraffic(current.traffic, wrote) ? {kind: 'traffic', traffic: before!.traffic} : undefined), {});
      progress.warn(`${ref.name}: revision ${e.revision} cannot start, so the split from before was put back: ${describeTraffic(before!.traffic)}`);
      throw revisionFailedError(ref.name, ref.namespace, e.revision, e.failure);
    });
    final = fn;
    if (trafficOutcome(fn) !== 'ready') throw notReadyError(fn, undefined, timedOut, options.timeoutSeconds);
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
