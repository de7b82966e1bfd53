// What `fn rollback` undoes: the splits fn's changes replaced, kept on the traffic-holding object
// (annotation fn.dev/traffic-history) and written in the same guarded update as the change itself,
// as fn rollout keeps its state (rollout/state.ts). Knative records no such thing: a Revision's
// routingState is "active" for a 0% tag as for a 100% share, and status.traffic is only the present.
//
// Each entry holds what served before a change and what the change routed, both with @latest pinned
// to the revision it meant. A rollback restores the newest entry's `before` only while the live split
// still is its `after`: another tool (kn, kubectl) or a running fn rollout may have moved traffic since,
// and then the record says nothing about what served last. Shares only: tags are not part of what serves.
// A rollout is one change, recorded when it ends: from the split before its first step to where it ends
// (rollout/state.ts endingHistory); its steps in between are not changes to undo one by one.
import {FnError} from './errors.js';
import type {TrafficTarget} from './knative.js';
import {pinnedLatest, type TrafficState} from './traffic.js';
import {compareText} from './text-order.js';

export const historyAnnotation = 'fn.dev/traffic-history';
export const historyVersion = 1;
/** Entries kept: enough to walk back a day of canaries, small enough for an annotation. */
export const historyLimit = 10;

/** A revision's share of the traffic (percent > 0). */
export interface Share {
  revisionName: string;
  percent: number;
}

export type ChangeKind = 'deploy' | 'traffic' | 'rollback' | 'rollout';
const changeKinds: readonly ChangeKind[] = ['deploy', 'traffic', 'rollback', 'rollout'];

export interface HistoryEntry {
  /** What served before the change, every @latest pinned. */
  before: Share[];
  /** What the change routed, @latest pinned to the revision it meant (deploy: the new one). */
  after: Share[];
  by: ChangeKind;
  at: string;
}

interface History {
  version: number;
  entries: HistoryEntry[];
}

type LiveSplit = Pick<TrafficState, 'traffic' | 'statusTraffic' | 'latestReadyRevisionName'>;

/**
 * The shares a block routes, summed per revision and sorted: `latest` names the revision @latest
 * entries mean (default: the one they route to now). Undefined when an @latest share has no revision.
 */
export function sharesOf(state: LiveSplit, latest?: string): Share[] | undefined {
  const traffic = state.traffic.length ? state.traffic : [{latestRevision: true, percent: 100}];
  const sums = new Map<string, number>();
  for (const t of traffic) {
    if (!t.percent) continue;
    const name = t.latestRevision ? (latest ?? pinnedLatest(state, t.tag)) : t.revisionName;
    if (!name) return undefined;
    sums.set(name, (sums.get(name) ?? 0) + t.percent);
  }
  return [...sums].map(([revisionName, percent]) => ({revisionName, percent})).sort((a, b) => compareText(a.revisionName, b.revisionName));
}

export function sameShares(a: Share[], b: Share[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** "hello-00001 80%, hello-00003 20%" */
export function describeShares(shares: Share[]): string {
  return shares.map((s) => `${s.revisionName} ${s.percent}%`).join(', ') || '(nothing)';
}

// ---- reading and writing the annotation --------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

function sharesProblem(v: unknown, field: string): string | undefined {
  if (!Array.isArray(v)) return `${field} is not a list`;
  for (const s of v) {
    if (!isObject(s) || typeof s.revisionName !== 'string' || !s.revisionName || !Number.isInteger(s.percent) || s.percent < 1 || s.percent > 100) {
      return `${field} entry ${JSON.stringify(s)} is not {revisionName, percent}`;
    }
  }
  const sum = v.reduce((total: number, s: Share) => total + s.percent, 0);
  return sum === 100 ? undefined : `${field} percents sum to ${sum}, not 100`;
}

/** The first thing wrong with a parsed history, or undefined when it is a valid one. */
export function historyProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'it is not an object';
  if (v.version !== historyVersion) return `version ${JSON.stringify(v.version)} is not ${historyVersion}`;
  if (!Array.isArray(v.entries)) return 'entries is not a list';
  for (const [i, e] of v.entries.entries()) {
    if (!isObject(e)) return `entries[${i}] is not an object`;
    const problem = sharesProblem(e.before, `entries[${i}].before`) ?? sharesProblem(e.after, `entries[${i}].after`);
    if (problem) return problem;
    if (!changeKinds.includes(e.by)) return `entries[${i}].by ${JSON.stringify(e.by)} is unknown`;
    if (typeof e.at !== 'string') return `entries[${i}].at is missing`;
  }
  return undefined;
}

type Read = {entries: HistoryEntry[]; problem?: undefined} | {entries: []; problem: string};

function readHistory(annotations: Record<string, string> | undefined): Read {
  const text = annotations?.[historyAnnotation];
  if (text === undefined) return {entries: []};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {entries: [], problem: 'it is not JSON'};
  }
  const problem = historyProblem(value);
  return problem ? {entries: [], problem} : {entries: (value as History).entries};
}

/**
 * The annotation's value for these entries. An empty history is written, never removed: when fn
 * leaves out the last annotation it applied, server-side apply drops the whole map, Knative's own
 * serving.knative.dev/creator with it, and Knative's webhook refuses that.
 */
export function serializeHistory(entries: HistoryEntry[]): string {
  const text = JSON.stringify({version: historyVersion, entries: entries.slice(-historyLimit)} satisfies History);
  const problem = historyProblem(JSON.parse(text));
  if (problem) throw new FnError('TRAFFIC_HISTORY_BUG', 'unexpected', `fn was about to write a traffic history it could not read back: ${problem}`);
  return text;
}

export interface HistoryChange {
  by: ChangeKind;
  at: string;
  /** The revision the next block's @latest entries mean (deploy: the revision it creates). */
  latest?: string;
  /** What served before the change, when that is not the live split (a rollout: the split before its first step). */
  from?: TrafficTarget[];
}

/**
 * The annotations to write with a change from `current` to `next`: an entry pushed when what serves
 * changes; otherwise the history as it is. A history fn cannot read is started again.
 */
export function recordChange(current: LiveSplit & {annotations?: Record<string, string>}, next: TrafficTarget[], change: HistoryChange): Record<string, string | null> {
  const {entries} = readHistory(current.annotations);
  const before = sharesOf(change.from ? {...current, traffic: change.from} : current);
  const after = sharesOf({...current, traffic: next}, change.latest);
  // Nothing served yet (first deploy), or the change routes what served already (tags, pinning).
  if (!before?.length || !after || sameShares(before, after)) return keptHistory(current.annotations);
  return {[historyAnnotation]: serializeHistory([...entries, {before, after, by: change.by, at: change.at}])};
}

/** The history as it was before a write that is being put back (an empty one where there was none). */
export function historyAsBefore(annotations: Record<string, string> | undefined): Record<string, string> {
  return {[historyAnnotation]: annotations?.[historyAnnotation] ?? serializeHistory([])};
}

/** The history annotation as it is (for writes that re-send everything fn set). */
export function keptHistory(annotations: Record<string, string> | undefined): Record<string, string> {
  const text = annotations?.[historyAnnotation];
  return text === undefined ? {} : {[historyAnnotation]: text};
}

export type LastChange = {entry: HistoryEntry; rest: Record<string, string>} | {why: string};

/** The newest recorded change, if the live split is still what it routed; else why not. */
export function lastChange(state: LiveSplit & {name: string; annotations?: Record<string, string>}): LastChange {
  const {entries, problem} = readHistory(state.annotations);
  if (problem) return {why: `the ${historyAnnotation} annotation on ${state.name} is not one fn understands (${problem})`};
  const entry = entries.at(-1);
  if (!entry) return {why: `fn has no record of what served ${state.name} before its current split (fn deploy, fn traffic, fn rollback and a finished fn rollout keep one; another tool, or an older fn, made this one)`};
  const now = sharesOf(state);
  if (!now || !sameShares(now, entry.after)) {
    return {
      why: `the split changed after fn's last change to ${state.name} (fn ${entry.by} at ${entry.at} routed ${describeShares(entry.after)}; now ${now ? describeShares(now) : 'an @latest share with no ready revision'}): another tool or a running fn rollout moved it, and fn does not know what served before that`,
    };
  }
  return {entry, rest: {[historyAnnotation]: serializeHistory(entries.slice(0, -1))}};
}
