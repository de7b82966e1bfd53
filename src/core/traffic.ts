// Traffic math, pure: parse `--split v1=90,v2=10` / `--tag REV=TAG` / `--untag TAG`, resolve keys
// against what the cluster holds, and compute the next spec.traffic block. Parsing and the sum check
// need no cluster; resolution fails on an unknown key before anything is written (a typo never turns
// into a wait that hangs, as it can with kn). Order of operations, like kn: untag, tag, split.
import {closest} from 'fastest-levenshtein';
import {FnError} from './errors.js';
import type {TrafficTarget} from './knative.js';
import {validateTag} from './names.js';
import type {RevisionInfo} from './ports.js';

export type {TrafficTarget};

/** The key that means "whatever revision is latest and ready" (spec `latestRevision: true`). */
export const LATEST_KEY = '@latest';

export interface SplitEntry {
  key: string;
  percent: number;
}
export interface TagAssignment {
  /** Tag, revision name, generation (`2` / `00002`) or @latest. */
  key: string;
  tag: string;
}
export interface TrafficRequest {
  split: SplitEntry[];
  tags: TagAssignment[];
  untags: string[];
}

/** What the cluster holds, as far as traffic goes (a DeployedFunction plus its revisions fits). */
export interface TrafficState {
  name: string;
  traffic: TrafficTarget[];
  statusTraffic?: TrafficTarget[];
  latestReadyRevisionName?: string;
  latestCreatedRevisionName?: string;
  revisions: RevisionInfo[];
}

export interface TrafficChange {
  traffic: TrafficTarget[];
  /** Things worth telling the user (a tag moved, a 0% entry dropped). */
  notes: string[];
}

// ---- parsing (no cluster) --------------------------------------------------------------------------

function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((s) => s.trim());
}

const PERCENT = /^(\d{1,3})%?$/;

/** `--split` values (repeatable, comma lists) → entries; checks format, duplicates and the sum of 100. */
export function parseSplit(values: string[]): SplitEntry[] {
  const items = splitList(values);
  const entries: SplitEntry[] = [];
  for (const item of items) {
    const eq = item.lastIndexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    const raw = eq > 0 ? item.slice(eq + 1).trim() : '';
    const match = PERCENT.exec(raw);
    if (!key || !match || Number(match[1]) > 100) {
      throw new FnError('INVALID_SPLIT', 'usage', `--split entry "${item}" is not KEY=PERCENT with PERCENT a whole number from 0 to 100`, {
        suggestion: 'write it like --split v1=90,v2=10 (KEY: a tag, a revision name, a generation such as 2, or @latest)',
        details: {entry: item},
      });
    }
    if (entries.some((e) => e.key === key)) {
      throw new FnError('DUPLICATE_TRAFFIC_KEY', 'usage', `--split names "${key}" twice`, {
        suggestion: `give ${key} one percentage`,
        details: {key},
      });
    }
    entries.push({key, percent: Number(match[1])});
  }
  const sum = entries.reduce((total, e) => total + e.percent, 0);
  if (entries.length > 0 && sum !== 100) {
    const listed = entries.map((e) => `${e.key}=${e.percent}`).join(', ');
    const last = entries[entries.length - 1];
    const fixed = last.percent + 100 - sum;
    const example =
      fixed >= 0 && fixed <= 100 ? entries.map((e) => `${e.key}=${e === last ? fixed : e.percent}`).join(',') : undefined;
    throw new FnError('SPLIT_NOT_100', 'usage', `--split percentages add up to ${sum}, not 100 (${listed})`, {
      suggestion: example ? `make them add up to 100, e.g. --split ${example}` : 'make the percentages add up to exactly 100',
      details: {sum, entries},
    });
  }
  return entries;
}

/** `--tag REV=TAG` values (repeatable, comma lists). A tag may be given once. */
export function parseTagAssignments(values: string[]): TagAssignment[] {
  const out: TagAssignment[] = [];
  for (const item of splitList(values)) {
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    const tag = eq > 0 ? item.slice(eq + 1).trim() : '';
    if (!key || !tag) {
      throw new FnError('INVALID_TAG_FLAG', 'usage', `--tag "${item}" is not REVISION=TAG`, {
        suggestion: 'write it like --tag hello-00002=canary (REVISION: a revision name, a generation such as 2, a tag, or @latest)',
      });
    }
    validateTag(tag, `--tag ${item}`);
    if (out.some((t) => t.tag === tag)) {
      throw new FnError('DUPLICATE_TAG', 'usage', `--tag gives the tag "${tag}" twice`, {
        suggestion: 'a tag names one revision: give each tag once',
        details: {tag},
      });
    }
    out.push({key, tag});
  }
  return out;
}

export function parseUntags(values: string[]): string[] {
  const out: string[] = [];
  for (const tag of splitList(values)) {
    if (!tag) throw new FnError('INVALID_UNTAG', 'usage', '--untag needs a tag name', {suggestion: 'write it like --untag canary'});
    if (out.includes(tag)) throw new FnError('DUPLICATE_TAG', 'usage', `--untag names "${tag}" twice`, {suggestion: 'name each tag once'});
    out.push(tag);
  }
  return out;
}

/** All the flag checks that need no cluster, in one call. */
export function parseTrafficRequest(flags: {split?: string[]; tag?: string[]; untag?: string[]}): TrafficRequest {
  return {split: parseSplit(flags.split ?? []), tags: parseTagAssignments(flags.tag ?? []), untags: parseUntags(flags.untag ?? [])};
}

export function isEmptyRequest(request: TrafficRequest): boolean {
  return request.split.length === 0 && request.tags.length === 0 && request.untags.length === 0;
}

// ---- the block as slots ------------------------------------------------------------------------------

/** A traffic entry being edited: follows the latest revision, or names one. */
interface Slot {
  latest: boolean;
  revision?: string;
  percent: number;
  tag?: string;
}

type Ref = {latest: true} | {latest: false; revision: string};

function toSlots(traffic: TrafficTarget[]): Slot[] {
  if (traffic.length === 0) return [{latest: true, percent: 100}];
  return traffic.map((t) => ({
    latest: t.latestRevision === true,
    ...(t.latestRevision === true ? {} : {revision: t.revisionName}),
    percent: t.percent ?? 0,
    ...(t.tag ? {tag: t.tag} : {}),
  }));
}

function toTargets(slots: Slot[]): TrafficTarget[] {
  return slots.map((s) =>
    s.latest
      ? {latestRevision: true, percent: s.percent, ...(s.tag ? {tag: s.tag} : {})}
      : {revisionName: s.revision, latestRevision: false, percent: s.percent, ...(s.tag ? {tag: s.tag} : {})},
  );
}

function sameRef(slot: Slot, ref: Ref): boolean {
  return ref.latest ? slot.latest : !slot.latest && slot.revision === ref.revision;
}

function refName(ref: Ref): string {
  return ref.latest ? LATEST_KEY : ref.revision;
}

/** Untagged 0% entries route nothing: drop them. Untagged entries of one target merge. */
function tidy(slots: Slot[]): Slot[] {
  const out: Slot[] = [];
  for (const slot of slots) {
    if (!slot.tag && slot.percent === 0) continue;
    const twin = !slot.tag && out.find((o) => !o.tag && o.latest === slot.latest && o.revision === slot.revision);
    if (twin) twin.percent += slot.percent;
    else out.push({...slot});
  }
  return out;
}

// ---- resolving keys ------------------------------------------------------------------------------------

/** Every revision name the state knows of, newest first (the list, plus any only named in traffic). */
function knownRevisions(state: TrafficState): string[] {
  const names = state.revisions.map((r) => r.name);
  for (const t of [...state.traffic, ...(state.statusTraffic ?? [])]) {
    if (t.revisionName && !names.includes(t.revisionName)) names.push(t.revisionName);
  }
  return names;
}

function unknownKey(state: TrafficState, slots: Slot[], key: string, flag: string): FnError {
  const tags = slots.filter((s) => s.tag).map((s) => s.tag as string);
  const revisions = state.revisions.map((r) => (r.generation === undefined ? r.name : `${r.name} (${r.generation})`));
  const candidates = [...tags, ...knownRevisions(state), LATEST_KEY];
  const guess = closest(key, candidates);
  const shown = revisions.length > 10 ? [...revisions.slice(0, 10), `… ${revisions.length - 10} more`] : revisions;
  return new FnError(
    'UNKNOWN_TRAFFIC_KEY',
    'notFound',
    `${flag}: "${key}" is not a tag, revision or generation of ${state.name}. Tags: ${tags.join(', ') || '(none)'}. Revisions: ${shown.join(', ') || '(none)'}`,
    {
      suggestion: guess ? `did you mean "${guess}"? (fn revisions ${state.name} lists them all)` : `see fn revisions ${state.name}`,
      details: {key, tags, revisions: state.revisions.map((r) => r.name)},
    },
  );
}

/**
 * A key names: @latest; a tag (matched first, like kn); a revision name; the name without the
 * `<function>-` prefix; or a generation (`2`, `00002`).
 */
function resolve(state: TrafficState, slots: Slot[], key: string, flag: string): Ref {
  if (key === LATEST_KEY) return {latest: true};
  const tagged = slots.find((s) => s.tag === key);
  if (tagged) return tagged.latest ? {latest: true} : {latest: false, revision: tagged.revision as string};
  const known = knownRevisions(state);
  if (known.includes(key)) return {latest: false, revision: key};
  if (known.includes(`${state.name}-${key}`)) return {latest: false, revision: `${state.name}-${key}`};
  if (/^\d{1,9}$/.test(key)) {
    const generation = Number(key);
    const byLabel = state.revisions.find((r) => r.generation === generation);
    if (byLabel) return {latest: false, revision: byLabel.name};
    const padded = `${state.name}-${String(generation).padStart(5, '0')}`;
    if (known.includes(padded)) return {latest: false, revision: padded};
  }
  throw unknownKey(state, slots, key, flag);
}

function revisionInfo(state: TrafficState, name: string): RevisionInfo | undefined {
  return state.revisions.find((r) => r.name === name);
}

function refuseFailed(state: TrafficState, ref: Ref, why: string): void {
  if (ref.latest) return;
  const info = revisionInfo(state, ref.revision);
  if (info?.ready === 'False') {
    throw new FnError(
      'REVISION_NOT_READY',
      'notReady',
      `revision ${ref.revision} failed${info.reason ? ` (${info.reason}${info.message ? `: ${info.message}` : ''})` : ''}, so it cannot ${why}`,
      {suggestion: `pick a ready revision (fn revisions ${state.name}), or deploy a fix`, details: {revision: ref.revision, reason: info.reason}},
    );
  }
}

// ---- computing the next block ---------------------------------------------------------------------------

function applyUntags(state: TrafficState, slots: Slot[], untags: string[]): void {
  for (const tag of untags) {
    const slot = slots.find((s) => s.tag === tag);
    if (!slot) {
      const tags = slots.filter((s) => s.tag).map((s) => s.tag);
      throw new FnError('UNKNOWN_TAG', 'notFound', `--untag: ${state.name} has no tag "${tag}". Tags: ${tags.join(', ') || '(none)'}`, {
        suggestion: tags.length ? `untag one of: ${tags.join(', ')}` : 'there are no tags to remove',
        details: {tag, tags},
      });
    }
    delete slot.tag;
  }
}

function applyTag(slots: Slot[], ref: Ref, tag: string, notes: string[]): Slot[] {
  const holder = slots.find((s) => s.tag === tag);
  if (holder && sameRef(holder, ref)) return slots;
  if (holder) {
    notes.push(`tag ${tag} moved from ${holder.latest ? LATEST_KEY : holder.revision} to ${refName(ref)}`);
    delete holder.tag;
  }
  const untagged = slots.find((s) => !s.tag && sameRef(s, ref));
  if (untagged) untagged.tag = tag;
  else slots.push({...(ref.latest ? {latest: true} : {latest: false, revision: ref.revision}), percent: 0, tag});
  return slots;
}

/** `fn traffic`: the next spec.traffic for a parsed request against the cluster's state. */
export function computeTraffic(state: TrafficState, request: TrafficRequest): TrafficChange {
  const notes: string[] = [];
  let slots = toSlots(state.traffic);
  applyUntags(state, slots, request.untags);
  for (const {key, tag} of request.tags) slots = applyTag(slots, resolve(state, slots, key, `--tag ${key}=${tag}`), tag, notes);

  if (request.split.length > 0) {
    const entries = request.split.map((e) => ({...e, ref: resolve(state, slots, e.key, '--split')}));
    for (const [i, a] of entries.entries()) {
      const twin = entries.slice(i + 1).find((b) => refName(b.ref) === refName(a.ref));
      if (twin) {
        throw new FnError('DUPLICATE_TRAFFIC_KEY', 'usage', `--split: "${a.key}" and "${twin.key}" both name ${refName(a.ref)}`, {
          suggestion: `give ${refName(a.ref)} one percentage`,
          details: {keys: [a.key, twin.key], target: refName(a.ref)},
        });
      }
      if (a.percent > 0) refuseFailed(state, a.ref, 'take traffic');
    }
    const assigned = new Set<Slot>();
    for (const entry of entries) {
      // A tag key sets that tagged entry; otherwise prefer the target's untagged entry.
      const byTag = slots.find((s) => s.tag === entry.key && !assigned.has(s));
      const slot =
        byTag ??
        slots.find((s) => !s.tag && sameRef(s, entry.ref) && !assigned.has(s)) ??
        slots.find((s) => sameRef(s, entry.ref) && !assigned.has(s)) ??
        (slots.push({...(entry.ref.latest ? {latest: true} : {latest: false, revision: entry.ref.revision}), percent: 0}), slots[slots.length - 1]);
      slot.percent = entry.percent;
      assigned.add(slot);
    }
    for (const slot of slots) if (!assigned.has(slot)) slot.percent = 0;
  }
  const tidied = tidy(slots);
  assertValid(tidied, state.name);
  return {traffic: toTargets(tidied), notes};
}

function assertValid(slots: Slot[], name: string): void {
  const sum = slots.reduce((total, s) => total + s.percent, 0);
  if (sum !== 100) {
    throw new FnError('SPLIT_NOT_100', 'usage', `the traffic of ${name} would add up to ${sum}, not 100`, {
      suggestion: 'give --split with percentages for every target that should take traffic',
    });
  }
  const tags = slots.filter((s) => s.tag).map((s) => s.tag);
  const dup = tags.find((t, i) => tags.indexOf(t) !== i);
  if (dup) throw new FnError('DUPLICATE_TAG', 'usage', `tag "${dup}" would name two targets of ${name}`, {suggestion: `--untag ${dup} first`});
}

/**
 * The revision a `latestRevision: true` entry (with this tag) routes to now: status.traffic resolves
 * it, else the latest ready revision. The one way fn pins @latest (deploy --no-traffic, fn rollout).
 */
export function pinnedLatest(state: Pick<TrafficState, 'statusTraffic' | 'latestReadyRevisionName'>, tag?: string): string | undefined {
  const resolved = state.statusTraffic?.find((t) => t.latestRevision === true && t.tag === tag && t.revisionName);
  return resolved?.revisionName ?? state.latestReadyRevisionName;
}

export interface DeployTrafficOptions {
  /** The revision this deploy creates (or finds unchanged). */
  revisionName: string;
  /** gcloud's --no-traffic: keep the current split; the new revision takes 0%. */
  noTraffic?: boolean;
  /** Give the new revision this tag (and so its own URL); moved from any other target. */
  tag?: string;
}

/**
 * `fn deploy`: the traffic block written together with the new template. By default the new revision
 * takes 100% (as latest) and tagged targets stay at 0% for their URLs. With noTraffic every target
 * keeps its share, `@latest` entries pinned to the revision they route to now. `state` undefined:
 * the function is new.
 */
export function deployTraffic(state: TrafficState | undefined, options: DeployTrafficOptions): TrafficChange {
  const notes: string[] = [];
  let slots: Slot[];
  if (!state) {
    if (options.noTraffic) notes.push('first deploy: there is no split to keep, so the new revision takes 100%');
    slots = [{latest: true, percent: 100}];
  } else if (options.noTraffic) {
    slots = toSlots(state.traffic).map((slot) => {
      if (!slot.latest) return slot;
      const pinned = pinnedLatest(state, slot.tag);
      if (!pinned) {
        notes.push('no revision is ready yet, so the new revision takes the traffic that follows @latest');
        return slot;
      }
      return {latest: false, revision: pinned, percent: slot.percent, ...(slot.tag ? {tag: slot.tag} : {})};
    });
  } else {
    const tagged = toSlots(state.traffic)
      .filter((s) => s.tag)
      .map((s) => ({...s, percent: 0}));
    slots = [{latest: true, percent: 100}, ...tagged];
  }
  if (options.tag) {
    validateTag(options.tag, '--tag');
    slots = applyTag(slots, {latest: false, revision: options.revisionName}, options.tag, notes);
  }
  const tidied = tidy(slots);
  assertValid(tidied, state?.name ?? 'the function');
  return {traffic: toTargets(tidied), notes};
}

/** Total percent per revision as Knative routes it now (status), or as written when status is empty. */
export function routedPercents(state: Pick<TrafficState, 'traffic' | 'statusTraffic' | 'latestReadyRevisionName'>): Map<string, number> {
  const out = new Map<string, number>();
  const source = state.statusTraffic?.length ? state.statusTraffic : state.traffic;
  for (const t of source) {
    const name = t.revisionName ?? (t.latestRevision ? state.latestReadyRevisionName : undefined);
    if (name) out.set(name, (out.get(name) ?? 0) + (t.percent ?? 0));
  }
  return out;
}

/** The newest revision that takes traffic now (revisions being newest first): what a rollback undoes. */
export function currentRevision(state: TrafficState): string | undefined {
  const percents = routedPercents(state);
  return state.revisions.find((r) => (percents.get(r.name) ?? 0) > 0)?.name ?? [...percents].find(([, p]) => p > 0)?.[0];
}

export interface RollbackChange extends TrafficChange {
  from?: string;
  to: string;
}

/**
 * `fn rollback [KEY]`: all traffic to the named revision, or to the newest ready revision older than
 * the newest one taking traffic now (so a canary at 10% is rolled back too). Tags are kept (at 0%).
 */
export function rollbackTraffic(state: TrafficState, key?: string): RollbackChange {
  const slots = toSlots(state.traffic);
  const from = currentRevision(state);
  let to: string;
  if (key) {
    const ref = resolve(state, slots, key, 'rollback');
    if (ref.latest) {
      throw new FnError('INVALID_ROLLBACK_TARGET', 'usage', 'rollback needs a revision, not @latest', {
        suggestion: `name a revision or tag (fn revisions ${state.name})`,
      });
    }
    to = ref.revision;
    const info = revisionInfo(state, to);
    if (info && info.ready !== 'True') {
      refuseFailed(state, ref, 'take the traffic back');
      throw new FnError('REVISION_NOT_READY', 'notReady', `revision ${to} is not ready (${info.reason ?? 'Unknown'}), so traffic cannot go back to it`, {
        suggestion: `wait for it, or pick another one (fn revisions ${state.name})`,
      });
    }
  } else {
    const order = state.revisions.map((r) => r.name);
    const fromIndex = from ? order.indexOf(from) : -1;
    const candidate = state.revisions.slice(fromIndex + 1).find((r) => r.ready === 'True' && r.name !== from);
    if (!candidate) {
      throw new FnError(
        'NO_PREVIOUS_REVISION',
        'notFound',
        from
          ? `${state.name} has no ready revision older than ${from} to roll back to`
          : `${state.name} has no ready revision to roll back to`,
        {suggestion: `name one: fn rollback REVISION (fn revisions ${state.name} lists them)`, details: {from}},
      );
    }
    to = candidate.name;
  }
  const kept = slots.filter((s) => s.tag).map((s) => ({...s, percent: 0}));
  // The 100% goes on the target's tagged entry when it has one (one entry per revision reads best).
  const own = kept.find((s) => !s.latest && s.revision === to);
  if (own) own.percent = 100;
  const next = tidy(own ? kept : [{latest: false, revision: to, percent: 100}, ...kept]);
  assertValid(next, state.name);
  return {traffic: toTargets(next), notes: [], from, to};
}

// ---- comparing and showing ------------------------------------------------------------------------------

function canonical(t: TrafficTarget): string {
  return `${t.latestRevision === true ? LATEST_KEY : t.revisionName}|${t.percent ?? 0}|${t.tag ?? ''}`;
}

/** Same entries (order aside), treating an omitted percent as 0 and an empty block as 100% latest. */
export function sameTraffic(a: TrafficTarget[], b: TrafficTarget[]): boolean {
  const key = (list: TrafficTarget[]) => toTargets(toSlots(list)).map((t) => canonical(t)).sort().join(';');
  return key(a) === key(b);
}

/**
 * Whether status.traffic shows the written split: each spec entry is routed with its percent and tag,
 * `@latest` entries at the latest ready revision.
 */
export function trafficSettled(fn: {traffic: TrafficTarget[]; statusTraffic: TrafficTarget[]; latestReadyRevisionName?: string}): boolean {
  const want = toTargets(toSlots(fn.traffic)).map((t) =>
    `${t.latestRevision ? fn.latestReadyRevisionName : t.revisionName}|${t.percent ?? 0}|${t.tag ?? ''}`,
  );
  const have = fn.statusTraffic.map((t) => `${t.revisionName}|${t.percent ?? 0}|${t.tag ?? ''}`);
  return want.length === have.length && want.sort().join(';') === have.sort().join(';');
}

/** "hello-00001 90% (v1), @latest 10%" */
export function describeTraffic(traffic: TrafficTarget[]): string {
  return toTargets(toSlots(traffic))
    .map((t) => `${t.latestRevision ? LATEST_KEY : t.revisionName} ${t.percent ?? 0}%${t.tag ? ` (${t.tag})` : ''}`)
    .join(', ');
}
