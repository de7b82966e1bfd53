// Revisions joined with what routes to them (status.traffic: the real split), for `fn revisions`, and
// which ones `fn revisions prune` may delete. Pure.
import {FnError} from './errors.js';
import type {DeployedFunction, RevisionInfo} from './ports.js';
import {routedPercents} from './traffic.js';

export interface RevisionRow extends RevisionInfo {
  tags: string[];
  /** Percent of the function's traffic it takes now. */
  traffic: number;
  latestCreated: boolean;
  latestReady: boolean;
}

export function revisionRows(fn: DeployedFunction, revisions: RevisionInfo[]): RevisionRow[] {
  const percents = routedPercents(fn);
  const tags = new Map<string, Set<string>>();
  const addTag = (revision: string | undefined, tag: string | undefined) => {
    if (!revision || !tag) return;
    if (!tags.has(revision)) tags.set(revision, new Set());
    tags.get(revision)!.add(tag);
  };
  for (const t of fn.statusTraffic) addTag(t.revisionName, t.tag);
  for (const t of fn.traffic) addTag(t.latestRevision ? fn.latestReadyRevisionName : t.revisionName, t.tag);
  return revisions.map((r) => ({
    ...r,
    tags: [...(tags.get(r.name) ?? [])].sort(),
    traffic: percents.get(r.name) ?? 0,
    latestCreated: r.name === fn.latestCreatedRevisionName,
    latestReady: r.name === fn.latestReadyRevisionName,
  }));
}

/** Revisions nothing routes to (no traffic, no tag, not latest created or ready), newest first. */
export function unrouted(fn: DeployedFunction, revisions: RevisionInfo[]): RevisionInfo[] {
  const routed = new Set<string>();
  for (const t of [...fn.traffic, ...fn.statusTraffic]) if (t.revisionName) routed.add(t.revisionName);
  for (const name of [fn.latestCreatedRevisionName, fn.latestReadyRevisionName]) if (name) routed.add(name);
  return revisions.filter((r) => !routed.has(r.name));
}

export interface PrunePlan {
  delete: RevisionInfo[];
  keep: RevisionInfo[];
}

/** Keep the `keep` newest unrouted revisions (revisions must be newest first); delete the rest. */
export function prunePlan(fn: DeployedFunction, revisions: RevisionInfo[], keep: number): PrunePlan {
  if (!Number.isInteger(keep) || keep < 0) {
    throw new FnError('INVALID_KEEP', 'usage', `--keep ${keep} is not a whole number ≥ 0`, {suggestion: '--keep 3 keeps the three newest unrouted revisions'});
  }
  const candidates = unrouted(fn, revisions);
  return {keep: candidates.slice(0, keep), delete: candidates.slice(keep)};
}
