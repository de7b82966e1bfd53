// Traffic math, pure: parse `--split v1=90,v2=10` / `--tag REV=TAG` / `--untag TAG`, resolve keys
// against what the cluster holds, and compute the next spec.traffic block. Parsing and the sum check
// need no cluster; resolution fails on an unknown key before anything is written (a typo never turns
// into a wait that hangs, as it can with kn). Order of operations, like kn: untag, tag, split.
import {closest} from 'fastest-levenshtein';
import {FnError} from './errors.js';
import type {TrafficTarget} from './knative.js';
import {validateTag} from './names.js';
import type {DeployedFunction, RevisionInfo} from './ports.js';
import {lastChange, type HistoryEntry, type Share} from './traffic-history.js';

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
  /** The live template: its name is a revision Knative is about to create (a deploy just applied it). */
  template?: {metadata: {name?: string}};
  /** Annotations of the traffic-holding object (fn's traffic history is one). */
  annotations?: Record<string, string>;
}

export interface TrafficChange {
  traffic: TrafficTarget[];
  /** Things worth telling the user (a tag moved, a 0% entry dropped). */
  notes: string[];
  /** Annotations to write with the block (null removes one); undefined: the use case records the change. */
  annotations?: Record<string, string | null>;
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

/**
 * The revisions that exist, newest first, plus the one the live template is about to create. Never a
 * name that merely appears in spec.traffic: another tool may have written one that does not exist.
 */
function knownRevisions(state: TrafficState): string[] {
  const names = state.revisions.map((r) => r.name);
  const pending = state.template?.metadata.name;
  if (pending && !names.includes(pending)) names.unshift(pending);
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
  const known = knownRevisions(state);
  const tagged = slots.find((s) => s.tag === key);
  if (tagged && !tagged.latest && !known.includes(tagged.revision as string)) throw missingTarget(state, tagged, flag);
  if (tagged) return tagged.latest ? {latest: true} : {latest: false, revision: tagged.revision as string};
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

/** A tag or share in spec.traffic naming a revision that does not exist (another tool wrote it). */
function missingTarget(state: TrafficState, slot: Slot, flag: string): FnError {
  const what = slot.tag ? `tag "${slot.tag}"` : `${slot.percent}% of the traffic`;
  return new FnError(
    'TRAFFIC_TARGET_NOT_FOUND',
    'notFound',
    `${flag ? `${flag}: ` : ''}${state.name}'s spec.traffic sends ${what} to revision "${slot.revision}", which does not exist (Knative reports the route not Ready)`,
    {
      suggestion: slot.tag ? `drop it with --untag ${slot.tag}, or point it at a revision that exists: --tag REVISION=${slot.tag}` : `give --split with revisions that exist (fn revisions ${state.name})`,
      details: {revision: slot.revision, ...(slot.tag ? {tag: slot.tag} : {}), revisions: state.revisions.map((r) => r.name)},
    },
  );
}

/** Every target of a block must exist: fn never writes a route Knative cannot serve. */
function assertTargetsExist(state: TrafficState, slots: Slot[]): void {
  const known = knownRevisions(state);
  const missing = slots.find((s) => !s.latest && !known.includes(s.revision as string));
  if (missing) throw missingTarget(state, missing, '');
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
  assertTargetsExist(state, tidied);
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
  /** Send all traffic to the new revision even when the live split is not "@latest 100%". */
  allTraffic?: boolean;
  /** Give the new revision this tag (and so its own URL); moved from any other target. */
  tag?: string;
}

/** The live block sends everything to the latest revision (tagged targets at 0% aside): a deploy moves it on. */
export function followsLatest(traffic: TrafficTarget[]): boolean {
  const slots = toSlots(traffic);
  return slots.some((s) => s.latest && s.percent === 100) && slots.every((s) => (s.latest && s.percent === 100) || s.percent === 0);
}

/**
 * `fn deploy`: the traffic block written together with the new template. When all traffic follows
 * the latest revision, the new revision takes 100% and tagged targets stay at 0% for their URLs.
 * When it is split or pinned (a canary, a rollback), as with noTraffic, every target keeps its share,
 * `@latest` entries pinned to the revision they route to now, and the new revision takes 0% (as kn and
 * gcloud run do: a deploy never loses a split the user did not ask to lose); allTraffic sends it 100%
 * anyway. `state` undefined: the function is new.
 */
export function deployTraffic(state: TrafficState | undefined, options: DeployTrafficOptions): TrafficChange {
  const notes: string[] = [];
  let slots: Slot[];
  if (!state) {
    if (options.noTraffic) notes.push('first deploy: there is no split to keep, so the new revision takes 100%');
    slots = [{latest: true, percent: 100}];
  } else if (options.noTraffic || (!options.allTraffic && !followsLatest(state.traffic))) {
    if (!options.noTraffic) {
      notes.push(`traffic is split or pinned (${describeTraffic(state.traffic)}): kept as it is, and ${options.revisionName || 'the new revision'} takes 0%. Move traffic with fn traffic --split or fn rollout, or deploy with --all-traffic to send it all`);
    }
    slots = pinSlots(state, toSlots(state.traffic), notes);
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

/** @latest entries pinned to the revision they route to now (none ready: left following @latest). */
function pinSlots(state: TrafficState | Pick<TrafficState, 'statusTraffic' | 'latestReadyRevisionName'>, slots: Slot[], notes: string[]): Slot[] {
  return slots.map((slot) => {
    if (!slot.latest) return slot;
    const pinned = pinnedLatest(state, slot.tag);
    if (!pinned) {
      notes.push('no revision is ready yet, so the new revision takes the traffic that follows @latest');
      return slot;
    }
    return {latest: false, revision: pinned, percent: slot.percent, ...(slot.tag ? {tag: slot.tag} : {})};
  });
}

/**
 * The live block with its @latest entries pinned and nothing else changed (not even tidied): for
 * deploy --no-traffic on a split another tool owns. Undefined when there is nothing to pin.
 */
export function pinLatestEntries(state: Pick<TrafficState, 'traffic' | 'statusTraffic' | 'latestReadyRevisionName'>): TrafficTarget[] | undefined {
  const slots = toSlots(state.traffic);
  if (!slots.some((s) => s.latest)) return undefined;
  const pinned = pinSlots(state, slots, []);
  return pinned.some((s) => s.latest) ? undefined : toTargets(pinned);
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
  /** The revision with the largest share afterwards (all of it, when one was named). */
  to: string;
  /** What serves afterwards, per revision. */
  restored: Share[];
  /** A plain rollback: the change it undid (dropped from the history). */
  undone?: HistoryEntry;
}

/**
 * `fn rollback [KEY]`: without a key, undo the last traffic change: the split that served before it,
 * from fn's traffic history (traffic-history.ts), while the live split is still the one that change
 * made; refused otherwise, naming `fn rollback REVISION`. With a key: all traffic to that revision.
 * Tags are kept (at 0% unless their revision gets a share).
 */
export function rollbackTraffic(state: TrafficState, key?: string): RollbackChange {
  const slots = toSlots(state.traffic);
  const from = currentRevision(state);
  if (key) {
    const ref = resolve(state, slots, key, 'rollback');
    if (ref.latest) {
      throw new FnError('INVALID_ROLLBACK_TARGET', 'usage', 'rollback needs a revision, not @latest', {
        suggestion: `name a revision or tag (fn revisions ${state.name})`,
      });
    }
    assertCanServe(state, ref.revision);
    const restored = [{revisionName: ref.revision, percent: 100}];
    return {traffic: routeShares(state, slots, restored), notes: [], from, to: ref.revision, restored};
  }
  const last = lastChange(state);
  if ('why' in last) {
    throw new FnError('NO_PREVIOUS_SPLIT', 'notFound', `nothing to roll back to: ${last.why}`, {
      suggestion: `send all traffic to a revision you name: fn rollback REVISION --name ${state.name} (fn revisions ${state.name} lists them)`,
    });
  }
  for (const share of last.entry.before) assertCanServe(state, share.revisionName, last.entry);
  const restored = last.entry.before;
  const to = [...restored].sort((a, b) => b.percent - a.percent)[0].revisionName;
  return {traffic: routeShares(state, slots, restored), notes: [], annotations: last.rest, from, to, restored, undone: last.entry};
}

/** A revision traffic goes back to must exist and be Ready. */
function assertCanServe(state: TrafficState, name: string, undoing?: HistoryEntry): void {
  const before = undoing ? ` (it served before fn ${undoing.by} at ${undoing.at})` : '';
  const next = `name another one: fn rollback REVISION --name ${state.name} (fn revisions ${state.name} lists them)`;
  if (!state.revisions.some((r) => r.name === name)) {
    throw new FnError('REVISION_NOT_FOUND', 'notFound', `revision ${name}${before} no longer exists, so traffic cannot go back to it`, {suggestion: next, details: {revision: name}});
  }
  const info = revisionInfo(state, name)!;
  if (info.ready === 'True') return;
  refuseFailed(state, {latest: false, revision: name}, `take the traffic back${before}`);
  throw new FnError('REVISION_NOT_READY', 'notReady', `revision ${name}${before} is not ready (${info.reason ?? 'Unknown'}), so traffic cannot go back to it`, {
    suggestion: `wait for it, or ${next}`,
    details: {revision: name},
  });
}

/** The block routing `shares`, every tag kept: a share goes on its revision's tagged entry when it has one. */
function routeShares(state: TrafficState, slots: Slot[], shares: Share[]): TrafficTarget[] {
  const kept = slots.filter((s) => s.tag).map((s) => ({...s, percent: 0}));
  const added: Slot[] = [];
  for (const share of shares) {
    const own = kept.find((s) => !s.latest && s.revision === share.revisionName && s.percent === 0);
    if (own) own.percent = share.percent;
    else added.push({latest: false, revision: share.revisionName, percent: share.percent});
  }
  const next = tidy([...added, ...kept]);
  assertValid(next, state.name);
  return toTargets(next);
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

/** A tag, the revision it names and its own URL. */
export interface TagUrl {
  tag: string;
  revision?: string;
  url?: string;
}

/** The function's tags with their URLs: from what Knative routes, else from what was written. */
export function tagUrls(fn: DeployedFunction): TagUrl[] {
  const source = fn.statusTraffic.length ? fn.statusTraffic : fn.traffic;
  return source.filter((t) => t.tag).map((t) => ({tag: t.tag as string, ...(t.revisionName ? {revision: t.revisionName} : {}), ...(t.url ? {url: t.url} : {})}));
}
