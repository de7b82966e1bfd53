// Read → compute → one guarded write → watch, for every traffic change (fn traffic, fn rollback, and
// rollout steps). The write names the resourceVersion it computed from; if another writer got there
// first the state is re-read and the change recomputed, never blindly overwritten.
import {FnError, isFnError} from './errors.js';
import type {DeployedFunction, FunctionRef, Progress, TrafficManager} from './ports.js';
import {newConditionLines, notReadyError, trafficOutcome} from './readiness.js';
import {tagUrls, type TagUrl} from './deploy.js';
import {describeTraffic, sameTraffic, type TrafficChange, type TrafficState, type TrafficTarget} from './traffic.js';
import {sideBySide} from './side-by-side.js';

export interface TrafficChangeOptions {
  dryRun?: boolean;
  wait: boolean;
  timeoutSeconds: number;
  signal?: AbortSignal;
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

const STALE_RETRIES = 3;

export function notFound(ref: FunctionRef): FnError {
  return new FnError('FUNCTION_NOT_FOUND', 'notFound', `no function "${ref.name}" in namespace "${ref.namespace}"`, {
    suggestion: `fn list -n ${ref.namespace} shows what is deployed there (or deploy it: fn deploy)`,
    details: {name: ref.name, namespace: ref.namespace},
  });
}

/** One Service (or Route+Configuration) read and one Revision list, side by side. */
export async function readTrafficState(manager: TrafficManager, ref: FunctionRef, options: {cached?: boolean} = {}): Promise<{fn: DeployedFunction; state: TrafficState}> {
  const [fn, revisions] = await sideBySide([manager.get(ref), manager.revisions(ref, options)] as const);
  if (!fn) throw notFound(ref);
  return {fn, state: {...fn, revisions}};
}

export async function changeTraffic(
  manager: TrafficManager,
  ref: FunctionRef,
  compute: (state: TrafficState, fn: DeployedFunction) => TrafficChange,
  options: TrafficChangeOptions,
  progress: Progress,
): Promise<TrafficResult> {
  let written: DeployedFunction | undefined;
  let change: TrafficChange | undefined;
  let before: DeployedFunction | undefined;
  for (let attempt = 1; !written; attempt++) {
    const {fn, state} = await readTrafficState(manager, ref);
    before = fn;
    change = compute(state, fn);
    if (sameTraffic(change.traffic, fn.traffic)) {
      written = fn;
      break;
    }
    try {
      written = await manager.setTraffic(fn, change.traffic, {dryRun: options.dryRun});
    } catch (e) {
      if (isFnError(e) && e.code === 'STALE_OBJECT' && attempt < STALE_RETRIES) {
        progress.detail(`${ref.name} changed while computing the split; reading it again`);
        continue;
      }
      throw e;
    }
  }
  const changed = !sameTraffic(change!.traffic, before!.traffic);
  for (const note of change!.notes) progress.info(note);
  if (!changed) progress.step(`${ref.name} already routes ${describeTraffic(change!.traffic)}`);
  else if (options.dryRun) progress.step(`Would route ${ref.name}: ${describeTraffic(change!.traffic)} (dry run: the cluster accepted it, nothing changed)`);
  else progress.step(`Routing ${ref.name}: ${describeTraffic(change!.traffic)}`);

  let final = written!;
  if (changed && !options.dryRun && options.wait) {
    const seen = new Map<string, string>();
    const {fn, timedOut} = await manager.waitFor(final, (f) => trafficOutcome(f) !== 'pending', {
      timeoutSeconds: options.timeoutSeconds,
      signal: options.signal,
      onUpdate: (f) => {
        if (f.observed) for (const line of newConditionLines(f, seen)) progress.detail(line);
      },
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
