// The traffic block at each step of a rollout: the canary gets the step's percent and the rest keeps
// the split it had before, scaled proportionally. Largest-remainder rounding so the block always sums
// to exactly 100 (Knative rejects anything else) and no target is off by more than one point.
import {FnError} from '../errors.js';
import type {DeployedFunction} from '../ports.js';
import {pinnedLatest, type TrafficTarget} from '../traffic.js';
import type {RolloutState} from './state.js';

/** One entry of spec.traffic with every @latest already pinned to a revision. */
export interface PinnedTarget {
  revisionName: string;
  percent: number;
  tag?: string;
}

export interface Canary {
  revisionName: string;
  /** Tag giving the canary its own URL while it takes a share (removed at the end unless kept). */
  tag?: string;
}

/**
 * Scale `weights` so they sum to `total`, in whole numbers. Largest remainder first; ties go to the
 * larger weight, then to the earlier entry, so the result is deterministic.
 */
export function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total === 0 || sum === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w * total) / sum);
  const result = exact.map(Math.floor);
  let left = total - result.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({i, remainder: x - Math.floor(x), weight: weights[i]}))
    .filter((e) => e.weight > 0)
    .sort((a, b) => b.remainder - a.remainder || b.weight - a.weight || a.i - b.i);
  for (const {i} of order) {
    if (left === 0) break;
    result[i] += 1;
    left -= 1;
  }
  return result;
}

/**
 * The traffic block with the canary at `canaryPercent` and everything else from `prior` scaled into the
 * rest. Entries of the canary revision in `prior` are dropped (their share is the canary's now), as
 * are untagged entries left at 0% (they would route nothing; a tagged one stays for its URL).
 */
export function splitTraffic(prior: PinnedTarget[], canary: Canary, canaryPercent: number): PinnedTarget[] {
  if (!Number.isInteger(canaryPercent) || canaryPercent < 0 || canaryPercent > 100) {
    throw new FnError('INVALID_STEP', 'usage', `canary percent ${canaryPercent} is not a whole number from 0 to 100`);
  }
  // Tags are unique in a traffic block: another revision holding the canary's tag gives it up.
  const others = prior
    .filter((t) => t.revisionName !== canary.revisionName)
    .map((t) => (canary.tag && t.tag === canary.tag ? untag(t) : t));
  const routed = others.filter((t) => t.percent > 0);
  if (routed.length === 0 && canaryPercent < 100) {
    throw new FnError('NO_PRIOR_TRAFFIC', 'usage', `no revision other than ${canary.revisionName} takes traffic, so there is nothing to shift ${100 - canaryPercent}% to`, {
      suggestion: 'deploy normally (fn deploy) when a service has only one revision',
    });
  }
  const shares = apportion(others.map((t) => t.percent), 100 - canaryPercent);
  const block: PinnedTarget[] = [{revisionName: canary.revisionName, percent: canaryPercent, ...(canary.tag ? {tag: canary.tag} : {})}];
  others.forEach((t, i) => {
    if (shares[i] > 0 || t.tag) block.push({...t, percent: shares[i]});
  });
  return block;
}

/**
 * Pin every `latestRevision: true` entry to the revision it routes to now, so that deploying the canary
 * (which becomes the latest revision) does not move that share onto it.
 */
export function pinTraffic(fn: Pick<DeployedFunction, 'traffic' | 'statusTraffic' | 'latestReadyRevisionName'>): PinnedTarget[] {
  const entries = fn.traffic.length === 0 ? [{latestRevision: true, percent: 100}] : fn.traffic;
  return entries.map((t) => {
    const revisionName = t.latestRevision ? pinnedLatest(fn, t.tag) : t.revisionName;
    if (!revisionName) {
      throw new FnError('NO_READY_REVISION', 'notReady', 'the service has no ready revision to keep serving while the canary rolls out', {
        suggestion: 'deploy the service normally first (fn deploy), then roll out the next version',
      });
    }
    return {revisionName, percent: t.percent ?? 0, ...(t.tag ? {tag: t.tag} : {})};
  });
}

/** The canary's entry removed of its tag (for the end of a rollout when the tag is not kept). */
export function withoutTag(block: PinnedTarget[], tag: string | undefined): PinnedTarget[] {
  if (!tag) return block;
  return block.flatMap((t) => (t.tag !== tag ? [t] : t.percent > 0 ? [untag(t)] : []));
}

function untag(t: PinnedTarget): PinnedTarget {
  return {revisionName: t.revisionName, percent: t.percent};
}

/** The traffic block with the canary at `percent`; at 100% the final block (untagged, @latest if it was). */
export function blockAt(state: RolloutState, percent: number, fn?: Pick<DeployedFunction, 'latestCreatedRevisionName'>): TrafficTarget[] {
  const canary = {revisionName: state.canary.revisionName!, tag: state.canary.tag};
  const block = splitTraffic(state.prior, canary, percent);
  if (percent < 100) return block;
  return finalBlock(state, block, fn);
}

function finalBlock(state: RolloutState, block: PinnedTarget[], fn?: Pick<DeployedFunction, 'latestCreatedRevisionName'>): TrafficTarget[] {
  const canary = state.canary.revisionName!;
  const kept = state.settings.keepTag ? block : withoutTag(block, state.canary.tag);
  // Give the route back to @latest when it was there before and the canary is the latest revision,
  // so the next ordinary deploy flows as it used to.
  const followLatest = state.followLatest && (!fn || fn.latestCreatedRevisionName === canary);
  if (!followLatest) return kept;
  return kept.flatMap((t): TrafficTarget[] => {
    if (t.revisionName !== canary || t.percent === 0) return [t];
    const latest: TrafficTarget = {latestRevision: true, percent: t.percent};
    return t.tag ? [latest, {revisionName: canary, percent: 0, tag: t.tag}] : [latest];
  });
}

/** The prior split, plus the canary at 0% under its tag when the tag is kept. */
export function restoreBlock(state: RolloutState): TrafficTarget[] {
  const {revisionName, tag} = state.canary;
  if (!state.settings.keepTag || !revisionName || !tag || state.prior.some((t) => t.tag === tag)) return state.prior;
  return [...state.prior, {revisionName, percent: 0, tag}];
}
