// fn subscribe / fn unsubscribe: fn.yaml's `subscriptions` changed from flags, through fn-yaml-edit.ts
// (comments and layout kept, checked, written atomically). Pure: the text in, the new text out.
//
// Flags become a subscription: only --filter → the map form (exact matches, Trigger spec.filter);
// any --prefix or --suffix → the list form (Trigger spec.filters), one expression per flag. The
// subscription is checked by the same rules as fn.yaml (event-checks.ts), each problem reported as the
// flag and value that caused it. Two --filter on one attribute are refused: func collapses them into
// one silently (func#2572), and as two exact matches no event would pass both.
import stableStringify from 'fast-json-stable-stringify';
import {isMap, isSeq, type Document, type YAMLMap, type YAMLSeq} from 'yaml';
import {FnError} from './errors.js';
import {subscriptionProblems, validateBrokerName} from './event-checks.js';
import {childName, eventManifests, eventObjectNames} from './event-manifests.js';
import {describeFilters, type BackoffPolicy, type FilterExpression, type Subscription, type SubscriptionDelivery} from './eventing.js';
import {fieldOf, type ConfigProblem} from './function-checks.js';
import {renderFnYaml, type FnYamlChange, type FnYamlEdit} from './fn-yaml-edit.js';

export const FILTER_FLAGS = ['filter', 'prefix', 'suffix'] as const;
export type FilterFlag = (typeof FILTER_FLAGS)[number];
const DIALECT: Record<FilterFlag, 'exact' | 'prefix' | 'suffix'> = {filter: 'exact', prefix: 'prefix', suffix: 'suffix'};

export interface FilterFlags {
  filter?: string[];
  prefix?: string[];
  suffix?: string[];
}
export interface SubscribeFlags extends FilterFlags {
  broker: string;
  name?: string;
  retry?: number;
  'backoff-policy'?: BackoffPolicy;
  'backoff-delay'?: string;
  'dead-letter-sink'?: string;
}

/** fn subscribe's delivery flags, by the fn.yaml key each writes. */
const DELIVERY_FLAGS = {retry: 'retry', backoffPolicy: 'backoff-policy', backoffDelay: 'backoff-delay', deadLetterSink: 'dead-letter-sink'} as const;

function flagDelivery(flags: SubscribeFlags): SubscriptionDelivery | undefined {
  const delivery = Object.fromEntries(Object.entries(DELIVERY_FLAGS).flatMap(([key, flag]) => (flags[flag] !== undefined ? [[key, flags[flag]]] : []))) as SubscriptionDelivery;
  return Object.keys(delivery).length ? delivery : undefined;
}
export interface UnsubscribeFlags extends FilterFlags {
  broker?: string;
  name?: string;
  /** Remove every subscription that matches, not just one. */
  all?: boolean;
}

/** One subscription as fn shows it. */
export interface SubscriptionEntry {
  /** Its place in fn.yaml: subscriptions[index]. */
  index: number;
  /** The Trigger fn deploy makes of it. */
  trigger: string;
  broker: string;
  /** As people read them: `type=com.example.order source=/orders`, `type=com.example.*`. */
  filters: string;
  subscription: Subscription;
}

export interface SubscribeResult extends SubscriptionEntry {
  /** false: a subscription to the same broker with the same filters was already there; nothing changed. */
  added: boolean;
}

export interface UnsubscribeResult {
  removed: SubscriptionEntry[];
  /** Triggers of the remaining subscriptions whose default name moves up ("hello-default-2" → "hello-default"). */
  renamed: Array<{from: string; to: string}>;
}

/** One filter flag as given: `--prefix type=com.example.`. */
interface FlagFilter {
  flag: FilterFlag;
  raw: string;
  key: string;
  value: string;
}

const flagText = (f: Pick<FlagFilter, 'flag' | 'raw'>) => `--${f.flag} ${JSON.stringify(f.raw)}`;

/** The filter flags, in the order the list form writes them: --filter, then --prefix, then --suffix. */
function flagFilters(flags: FilterFlags): FlagFilter[] {
  const out: FlagFilter[] = [];
  for (const flag of FILTER_FLAGS) {
    for (const raw of flags[flag] ?? []) {
      const i = raw.indexOf('=');
      if (i < 0) {
        throw new FnError('INVALID_FILTER', 'usage', `${flagText({flag, raw})} is not ATTRIBUTE=VALUE`, {
          suggestion: `e.g. --${flag} ${flag === 'filter' ? 'type=com.example.order' : flag === 'prefix' ? 'type=com.example.' : 'source=/orders'}`,
          details: {flag: `--${flag}`, value: raw},
        });
      }
      out.push({flag, raw, key: raw.slice(0, i), value: raw.slice(i + 1)});
    }
  }
  const exact = new Map<string, FlagFilter>();
  for (const f of out.filter((f) => f.flag === 'filter' && f.key !== '')) {
    const first = exact.get(f.key);
    if (!first) {
      exact.set(f.key, f);
      continue;
    }
    throw new FnError('DUPLICATE_FILTER', 'usage', `${flagText(f)} filters on "${f.key}" again (also ${flagText(first)}): an event has one ${f.key}, and a subscription's filters must all match, so no event would pass both`, {
      suggestion: `subscribe once per value (one fn subscribe with --filter ${first.raw}, another with --filter ${f.raw}), or match what they begin with: --prefix ${f.key}=…`,
      details: {flag: '--filter', value: f.raw, repeats: first.raw},
    });
  }
  return out;
}

/** Only --filter: the map form; any --prefix or --suffix: the list form, one expression per flag. */
function filtersOf(filters: FlagFilter[]): Subscription['filters'] {
  if (!filters.length) return undefined;
  if (filters.every((f) => f.flag === 'filter')) return Object.fromEntries(filters.map((f) => [f.key, f.value]));
  return filters.map((f) => ({[DIALECT[f.flag]]: {[f.key]: f.value}}) as FilterExpression);
}

/** A problem event-checks found in the subscription made from flags, as the flag and value it came from. */
function flagProblem(p: Omit<ConfigProblem, 'field'>, s: Subscription, filters: FlagFilter[]): FnError {
  const rel = p.path.slice(2);
  const details = {field: fieldOf(rel)};
  if (rel[0] === 'broker') validateBrokerName(s.broker, '--broker');
  if (rel[0] === 'name' && p.code === 'INVALID_NAME') return new FnError(p.code, 'usage', `--name ${p.message}`, {suggestion: 'e.g. --name orders', details: {...details, flag: '--name', value: s.name}});
  if (rel[0] === 'delivery') {
    // A value's problem is its flag's; a back-off without retries is --retry's to fix.
    const flag = `--${DELIVERY_FLAGS[(rel[1] ?? 'retry') as keyof typeof DELIVERY_FLAGS]}`;
    const value = rel[1] ? s.delivery?.[rel[1] as keyof SubscriptionDelivery] : undefined;
    return new FnError(p.code, 'usage', `${flag}${value !== undefined ? ` ${JSON.stringify(value)}` : ''}: ${fieldOf(rel)} ${p.message}`, {suggestion: p.suggestion.replace(/\b(\w+): /, (_m, key: string) => (key in DELIVERY_FLAGS ? `--${DELIVERY_FLAGS[key as keyof typeof DELIVERY_FLAGS]} ` : `${key}: `)), details: {...details, flag}});
  }
  if (rel[0] === 'filters') {
    // The map form is keyed by attribute (an empty name's problem sits on the map); the list form by position.
    const from = Array.isArray(s.filters) ? filters[Number(rel[1])] : filters.find((f) => f.flag === 'filter' && f.key === (rel[1] ?? ''));
    if (from) {
      const suggestion = from.key === '' ? `name the attribute, e.g. --${from.flag} type=${from.value || 'com.example.order'}` : p.suggestion;
      return new FnError(p.code, 'usage', `${flagText(from)}: ${fieldOf(rel)} ${p.message}`, {suggestion, details: {...details, flag: `--${from.flag}`, value: from.raw}});
    }
  }
  // The Trigger name is taken: it is --name's, or (without it) the default one, from the broker.
  const named = s.name !== undefined;
  return new FnError(p.code, 'usage', `${named ? `--name ${JSON.stringify(s.name)}` : `--broker ${JSON.stringify(s.broker)}`}: the subscription ${p.message}`, {
    suggestion: named ? 'pass another --name' : `give it a name of its own, e.g. --name ${s.broker}-events`,
    details: {...details, flag: named ? '--name' : '--broker'},
  });
}

/** The first problem of `s` appended to `existing`, by fn.yaml's rules, as a flag error. */
function checkFromFlags(functionName: string, existing: Subscription[], s: Subscription, filters: FlagFilter[]): void {
  const at = String(existing.length);
  const problem = subscriptionProblems(functionName, [...existing, s]).find((p) => p.path[1] === at);
  if (problem) throw flagProblem(problem, s, filters);
}

/** Filters reduced to a sorted list of single matches, so equal meaning compares equal (map or list, any order). */
function canonicalFilters(filters: Subscription['filters']): string[] {
  if (!filters) return [];
  const expressions: FilterExpression[] = Array.isArray(filters) ? filters : [{exact: filters}];
  const atoms = expressions.flatMap((e) => {
    const [[dialect, value]] = Object.entries(e) as [[string, unknown]];
    if (dialect === 'exact' || dialect === 'prefix' || dialect === 'suffix') {
      return Object.entries(value as Record<string, string>).map(([k, v]) => stableStringify([dialect, k, v]));
    }
    return [stableStringify(e)];
  });
  return atoms.sort();
}

const sameFilters = (a: Subscription['filters'], b: Subscription['filters']) => {
  const [x, y] = [canonicalFilters(a), canonicalFilters(b)];
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

function entries(functionName: string, subscriptions: Subscription[]): SubscriptionEntry[] {
  const {triggers} = eventManifests({name: functionName, subscriptions}, {routing: 'service'});
  return subscriptions.map((subscription, index) => ({index, trigger: triggers[index].metadata.name, broker: subscription.broker, filters: describeFilters(triggers[index]), subscription}));
}

/** fn.yaml's `subscriptions` list node; undefined when the key is absent. */
function subscriptionsNode(doc: Document, file: string): YAMLSeq | undefined {
  if (!doc.has('subscriptions')) return undefined;
  const node = doc.get('subscriptions', true);
  if (isSeq(node)) return node;
  throw new FnError('FN_YAML_NOT_EDITABLE', 'usage', `${file}: subscriptions is not written as a list here (an alias or a tag), so it cannot be edited in place`, {
    suggestion: `write subscriptions in ${file} as a plain list, or edit it by hand`,
    details: {file, field: 'subscriptions'},
  });
}

/** The new entry as fn writes one: a block map, filters in flow style (`filters: {type: com.example.order}`). */
function subscriptionNode(doc: Document, s: Subscription): YAMLMap {
  const node = doc.createNode(s) as YAMLMap;
  const filters = node.get('filters', true);
  if (isMap(filters)) filters.flow = true;
  if (isSeq(filters)) {
    for (const expression of filters.items) {
      if (isMap(expression)) for (const pair of expression.items) if (isMap(pair.value)) pair.value.flow = true;
    }
  }
  return node;
}

/** Adds the subscription the flags describe; one already there (same broker, same filters) is left as it is. */
export function addSubscription({doc, file, config, format}: FnYamlEdit, flags: SubscribeFlags): FnYamlChange<SubscribeResult> {
  const filters = flagFilters(flags);
  const delivery = flagDelivery(flags);
  const subscription: Subscription = {broker: flags.broker, ...(flags.name !== undefined ? {name: flags.name} : {}), ...(filters.length ? {filters: filtersOf(filters)} : {}), ...(delivery ? {delivery} : {})};
  const existing = config.subscriptions ?? [];
  const same = existing.findIndex((s) => s.broker === subscription.broker && sameFilters(s.filters, subscription.filters));
  if (same >= 0) {
    const entry = entries(config.name, existing)[same];
    if (stableStringify(existing[same].delivery ?? {}) === stableStringify(delivery ?? {})) return {result: {added: false, ...entry}};
    throw new FnError('DUPLICATE_SUBSCRIPTION', 'usage', `subscriptions[${same}] (Trigger ${entry.trigger}) already subscribes to broker ${entry.broker} with these filters, with another delivery`, {
      suggestion: `edit subscriptions[${same}].delivery in ${file}, or fn unsubscribe it first`,
      details: {field: `subscriptions[${same}].delivery`, index: same},
    });
  }
  checkFromFlags(config.name, existing, subscription, filters);
  const seq = subscriptionsNode(doc, file);
  const node = subscriptionNode(doc, subscription);
  if (seq) {
    // `subscriptions: []` becomes a block list once it has an entry.
    if (seq.flow && seq.items.length === 0) seq.flow = false;
    doc.addIn(['subscriptions'], node);
  } else {
    doc.setIn(['subscriptions'], doc.createNode([node]));
  }
  const expected = [...existing, subscription];
  return {text: renderFnYaml(doc, format), expected, result: {added: true, ...entries(config.name, expected)[existing.length]}};
}

/** Which subscriptions the flags name: --name (its Trigger's name, or what follows "<function>-"), --broker, the exact filters. */
function matches(functionName: string, all: SubscriptionEntry[], flags: UnsubscribeFlags, filters: FlagFilter[]): SubscriptionEntry[] {
  const wanted = filters.length ? filtersOf(filters) : undefined;
  return all.filter(
    (e) =>
      (flags.name === undefined || e.trigger === flags.name || e.trigger === childName(functionName, flags.name)) &&
      (flags.broker === undefined || e.broker === flags.broker) &&
      (!filters.length || sameFilters(e.subscription.filters, wanted)),
  );
}

function selectorText(flags: UnsubscribeFlags): string {
  const parts = [flags.name !== undefined ? `--name ${flags.name}` : '', flags.broker !== undefined ? `--broker ${flags.broker}` : '', ...FILTER_FLAGS.flatMap((f) => (flags[f] ?? []).map((v) => `--${f} ${v}`))];
  return parts.filter(Boolean).join(' ');
}

const listed = (list: SubscriptionEntry[]) => list.map((e) => `subscriptions[${e.index}] (Trigger ${e.trigger}): broker ${e.broker}, ${e.filters}`).join('; ');

/** Removes the one subscription the flags name (every one with --all), keeping the comments of the rest. */
export function removeSubscriptions({doc, file, config, format}: FnYamlEdit, flags: UnsubscribeFlags): FnYamlChange<UnsubscribeResult> {
  if (flags.broker === undefined && flags.name === undefined) {
    throw new FnError('NO_SUBSCRIPTION_SELECTED', 'usage', 'which subscription? Pass --broker (and its filters) or --name', {
      suggestion: 'e.g. fn unsubscribe --broker default --filter type=com.example.order, or fn unsubscribe --name orders',
    });
  }
  const filters = flagFilters(flags);
  if (flags.broker !== undefined) validateBrokerName(flags.broker, '--broker');
  if (flags.name !== undefined) checkFromFlags(config.name, [], {broker: 'default', name: flags.name}, []);
  const existing = config.subscriptions ?? [];
  const all = entries(config.name, existing);
  const found = matches(config.name, all, flags, filters);
  if (found.length === 0) {
    throw new FnError('SUBSCRIPTION_NOT_FOUND', 'notFound', `no subscription in ${file} matches ${selectorText(flags)}${all.length ? `; it has ${listed(all)}` : '; it has none'}`, {
      suggestion: all.length ? `name one by its Trigger, e.g. fn unsubscribe --name ${all[0].trigger}` : 'add one with fn subscribe --broker default --filter type=com.example.order',
      details: {file, subscriptions: all},
    });
  }
  if (found.length > 1 && !flags.all) {
    throw new FnError('AMBIGUOUS_SUBSCRIPTION', 'usage', `${found.length} subscriptions in ${file} match ${selectorText(flags)}: ${listed(found)}`, {
      suggestion: `pick one with --name (e.g. fn unsubscribe --name ${found[0].trigger}), give its filters too, or remove them all with --all`,
      details: {file, matches: found},
    });
  }
  const seq = subscriptionsNode(doc, file)!;
  for (const e of [...found].reverse()) {
    // The comment right above an entry is its own; yaml keeps the first entry's on the list.
    if (e.index === 0) seq.commentBefore = undefined;
    seq.items.splice(e.index, 1);
  }
  const gone = new Set(found.map((e) => e.index));
  const expected = existing.filter((_, i) => !gone.has(i));
  const before = eventObjectNames(config.name, {subscriptions: existing}).triggers.filter((_, i) => !gone.has(i));
  const after = eventObjectNames(config.name, {subscriptions: expected}).triggers;
  const renamed = before.flatMap((from, i) => (from === after[i] ? [] : [{from, to: after[i]}]));
  return {text: renderFnYaml(doc, format), expected, result: {removed: found, renamed}};
}
