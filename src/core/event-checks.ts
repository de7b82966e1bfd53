// What fn.yaml's `subscriptions` and `schedules` must hold that the JSON schema cannot say, checked on
// every load so `fn deploy` refuses them before the cluster is contacted: broker and object names,
// empty or repeated filter keys (func collapses two filters on one key: func#2572; accepts empty keys:
// func#3228), the filter dialect's shape, two subscriptions that would be the same Trigger, cron
// expressions as Knative's PingSource webhook parses them (robfig/cron's standard parser, @every
// refused), IANA time zones as Go loads them, and event data the webhook accepts.
import {closest} from 'fastest-levenshtein';
import stableStringify from 'fast-json-stable-stringify';
import {FnError} from './errors.js';
import type {ConfigProblem} from './function-checks.js';
import {FILTER_DIALECT_KEYS, type FilterExpression, type Schedule, type Subscription} from './eventing.js';
import {deliveryProblems} from './event-delivery.js';
import {eventObjectNames} from './event-manifests.js';

/**
 * A CloudEvents attribute name as Knative's webhook takes it: lower-case letters and digits (the
 * spec), starting with a letter ("Attribute name must start with a letter").
 */
const ATTRIBUTE_NAME = /^[a-z][a-z0-9]*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** robfig/cron's descriptors that PingSource accepts besides five fields (its webhook refuses @every). */
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

type Problem = Omit<ConfigProblem, 'field'> & {field?: string};
type Emit = (p: Omit<Problem, 'field'>) => void;

/** A broker name from a flag: refused before the cluster is contacted (func#3228 accepts any). */
export function validateBrokerName(name: string, field = '--broker'): string {
  const problem = nameProblem(name);
  if (!problem) return name;
  throw new FnError('INVALID_BROKER', 'usage', `${field} "${name}" is not a broker name: it ${problem}`, {suggestion: 'e.g. default', details: {field, value: name}});
}

function nameProblem(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long; at most 63 are allowed`;
  if (!DNS1123_LABEL.test(value)) return "must be lowercase letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}

/** Attribute → value pairs of one filter (a map): names, empty values. */
function attributeProblems(attributes: Record<string, unknown>, at: string[], emit: Emit): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (key === '') {
      emit({code: 'INVALID_FILTER', path: at, message: 'has an empty attribute name', suggestion: 'name a CloudEvents attribute, e.g. filters: {type: com.example.order}', onKey: false});
    } else if (!ATTRIBUTE_NAME.test(key)) {
      const fix = key.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/^[0-9]+/, '');
      emit({code: 'INVALID_FILTER', path: [...at, key], message: `attribute "${key}" is not a CloudEvents attribute name: lower-case letters and digits, starting with a letter`, suggestion: fix ? `use "${fix}"` : 'e.g. type, source, subject', onKey: true});
    }
    if (value === '' || value === null) {
      // `type:` with nothing after it is null: the same mistake as an empty string.
      emit({code: 'INVALID_FILTER', path: [...at, key], message: 'is empty: an empty value would match every event', suggestion: `remove ${key} to match every value, or give the value to match`, onKey: value === null});
    } else if (Array.isArray(value)) {
      const alternatives = value.map((v) => `{exact: {${key}: ${typeof v === 'string' || typeof v === 'number' ? v : '…'}}}`).join(', ');
      emit({code: 'INVALID_FILTER', path: [...at, key], message: 'must be one string (got a list)', suggestion: `to match any of them, use filters: [{any: [${alternatives}]}]`});
    } else if (typeof value === 'object') {
      emit({code: 'INVALID_FILTER', path: [...at, key], message: 'must be a string (got a map)', suggestion: `give the value to match as a string, e.g. ${key}: com.example.order`});
    } else if (typeof value !== 'string') {
      emit({code: 'INVALID_FILTER', path: [...at, key], message: `must be a string (got ${JSON.stringify(value)})`, suggestion: `quote it: ${key}: "${String(value)}"`});
    }
  }
}

function expressionProblems(e: unknown, at: string[], emit: Emit): void {
  const keys = typeof e === 'object' && e !== null && !Array.isArray(e) ? Object.keys(e) : [];
  if (keys.length !== 1 || !(FILTER_DIALECT_KEYS as readonly string[]).includes(keys[0])) {
    const unknown = keys.find((k) => !(FILTER_DIALECT_KEYS as readonly string[]).includes(k));
    const isObject = typeof e === 'object' && e !== null && !Array.isArray(e);
    const hint = unknown
      ? ` ("${unknown}" is not one; did you mean "${closest(unknown, [...FILTER_DIALECT_KEYS])}"?)`
      : keys.length > 1
        ? ` (it has ${keys.length}: ${keys.join(', ')}; each goes in its own list item)`
        : isObject
          ? ' (it has none)'
          : '';
    emit({code: 'INVALID_FILTER', path: at, message: `must be an object with exactly one of ${FILTER_DIALECT_KEYS.join(', ')}${hint}`, suggestion: 'e.g. filters: [{prefix: {type: com.example.}}, {exact: {source: /orders}}]'});
    return;
  }
  const [dialect] = keys;
  const value = (e as Record<string, unknown>)[dialect];
  const path = [...at, dialect];
  if (dialect === 'cesql') {
    if (typeof value !== 'string' || value.trim() === '') emit({code: 'INVALID_FILTER', path, message: 'must be a CESQL expression', suggestion: "e.g. cesql: \"type LIKE 'com.example.%'\""});
  } else if (dialect === 'not') {
    expressionProblems(value, path, emit);
  } else if (dialect === 'all' || dialect === 'any') {
    if (!Array.isArray(value) || value.length === 0) emit({code: 'INVALID_FILTER', path, message: 'must be a non-empty list of filter expressions', suggestion: `e.g. ${dialect}: [{exact: {type: a}}, {exact: {type: b}}]`});
    else {
      value.forEach((v, i) => expressionProblems(v, [...path, String(i)], emit));
      if (dialect === 'all') repeatedExactProblems(value as FilterExpression[], path, emit);
    }
  } else if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    emit({code: 'INVALID_FILTER', path, message: 'must map attribute names to values', suggestion: `e.g. ${dialect}: {type: com.example.order}`});
  } else {
    attributeProblems(value as Record<string, unknown>, path, emit);
  }
}

/** Two exact matches on one attribute that all must hold: no event matches both, so it is a mistake. */
function repeatedExactProblems(expressions: FilterExpression[], at: string[], emit: Emit): void {
  const first = new Map<string, number>();
  expressions.forEach((e, i) => {
    // An expression that is not an object was reported already (the list is checked as it is).
    if (typeof e !== 'object' || e === null || !('exact' in e) || typeof e.exact !== 'object' || e.exact === null) return;
    for (const key of Object.keys(e.exact)) {
      const seen = first.get(key);
      if (seen === undefined) first.set(key, i);
      else {
        emit({
          code: 'DUPLICATE_FILTER',
          path: [...at, String(i), 'exact', key],
          message: `repeats an exact filter on "${key}" (also at [${seen}]): an event has one ${key}, so none would match both`,
          suggestion: `keep one, or match either with any: [{exact: {${key}: …}}, {exact: {${key}: …}}]`,
          onKey: true,
        });
      }
    }
  });
}

export function subscriptionProblems(functionName: string, subscriptions: Subscription[] | undefined): Problem[] {
  const out: Problem[] = [];
  (subscriptions ?? []).forEach((s, i) => {
    const at = ['subscriptions', String(i)];
    const emit: Emit = (p) => out.push(p);
    const brokerProblem = nameProblem(s.broker);
    if (brokerProblem) emit({code: 'INVALID_BROKER', path: [...at, 'broker'], message: `"${s.broker}" is not a broker name: it ${brokerProblem}`, suggestion: 'e.g. broker: default'});
    if (s.name !== undefined) {
      const problem = nameProblem(s.name);
      if (problem) emit({code: 'INVALID_NAME', path: [...at, 'name'], message: `"${s.name}" ${problem}`, suggestion: 'e.g. name: orders'});
    }
    if (s.delivery) for (const p of deliveryProblems(functionName, s.broker, s.delivery)) emit({...p, path: [...at, ...p.path]});
    if (Array.isArray(s.filters)) {
      s.filters.forEach((e, j) => expressionProblems(e, [...at, 'filters', String(j)], emit));
      repeatedExactProblems(s.filters, [...at, 'filters'], emit);
    } else if (s.filters) {
      attributeProblems(s.filters, [...at, 'filters'], emit);
    }
  });
  if (out.length) return out;
  // Two subscriptions that are one Trigger (same name) or the same wiring twice (each event delivered twice).
  const names = eventObjectNames(functionName, {subscriptions}).triggers;
  const byName = new Map<string, number>();
  const byContent = new Map<string, number>();
  (subscriptions ?? []).forEach((s, i) => {
    const at = ['subscriptions', String(i)];
    const sameName = byName.get(names[i]);
    if (sameName !== undefined) {
      out.push({code: 'DUPLICATE_SUBSCRIPTION', path: [...at, ...(s.name ? ['name'] : [])], message: `would be Trigger "${names[i]}", as subscriptions[${sameName}] is`, suggestion: `give subscriptions[${i}] another name`});
    } else byName.set(names[i], i);
    // Key order does not change what a map of filters matches; no filters and empty ones match everything.
    const filters = s.filters && Object.keys(s.filters).length ? s.filters : {};
    const content = stableStringify([s.broker, filters]);
    const same = byContent.get(content);
    if (same !== undefined) {
      out.push({code: 'DUPLICATE_SUBSCRIPTION', path: at, message: `subscribes to broker "${s.broker}" with the same filters as subscriptions[${same}]: every event would arrive twice`, suggestion: `remove subscriptions[${i}] from fn.yaml`});
    } else byContent.set(content, i);
  });
  return out;
}

/** One field of a five-field schedule, with robfig/cron's bounds and names. */
interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names for min, min + 1, …, matched in any case. */
  names?: readonly string[];
  note?: string;
}
const CRON_FIELDS: readonly CronField[] = [
  {name: 'minute', min: 0, max: 59},
  {name: 'hour', min: 0, max: 23},
  {name: 'day-of-month', min: 1, max: 31},
  {name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']},
  {name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], note: 'Sunday is 0'},
];
const L_W_OR_HASH = 'L, W or #';

/** A value of a field: a name or a whole number (Go's strconv.Atoi: an optional sign). */
function cronValue(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return field.min + named;
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Why robfig/cron's standard parser (Knative's) refuses one field: comma-separated ranges, each `*`,
 * `?`, a value or `a-b`, with an optional `/step` (a single value with a step runs to the maximum).
 * Written out because the JavaScript cron parsers read another dialect: croner takes 7 for Sunday and
 * L, W and #, refuses `5/15`, and names the wrong value in its errors.
 */
function cronFieldProblem(text: string, field: CronField): string | undefined {
  const range = `(${field.min}-${field.max}${field.note ? `; ${field.note}` : ''})`;
  for (const part of text.split(',').filter(Boolean)) {
    const [span, step, ...moreSteps] = part.split('/');
    if (moreSteps.length) return `${field.name} "${part}" has more than one /`;
    let [start, end] = [field.min, field.max];
    const ends = span.split('-');
    if (ends[0] !== '*' && ends[0] !== '?') {
      if (ends.length > 2) return `${field.name} "${part}" has more than one -`;
      const values = ends.map((v) => cronValue(v, field));
      const bad = ends.find((_, i) => values[i] === undefined || values[i]! < 0);
      if (bad !== undefined) {
        if (/[LW#]/i.test(bad)) return L_W_OR_HASH;
        return `${field.name} "${bad}" is ${/^-?\d+$/.test(bad) ? 'negative' : `not a number${field.names ? ` or a name (${field.names[0]}, ${field.names[1]}, …)` : ''}`}`;
      }
      start = values[0]!;
      end = values.length === 2 ? values[1]! : step === undefined ? start : field.max;
    }
    if (step !== undefined && !(/^[+]?\d+$/.test(step) && Number(step) >= 1)) return `${field.name} step "${step}" must be a whole number of at least 1`;
    if (start < field.min) return `${field.name} ${start} is out of range ${range}`;
    if (end > field.max) return `${field.name} ${end} is out of range ${range}`;
    if (start > end) return `${field.name} range ${span} runs backwards: write it as two ranges, e.g. ${span.split('-')[0]}-${field.max},${field.min}-${span.split('-')[1]}`;
  }
  return undefined;
}

/** `@every 5m` as five fields, when one says exactly the same. */
function everyAsCron(duration: string): string | undefined {
  const m = /^(\d+)(m|h)$/.exec(duration);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] === 'm' && n > 0 && 60 % n === 0) return n === 1 ? '* * * * *' : `*/${n} * * * *`;
  if (m[2] === 'h' && n > 0 && 24 % n === 0) return n === 1 ? '0 * * * *' : `0 */${n} * * *`;
  if (m[2] === 'm' && n > 0 && n % 60 === 0 && 24 % (n / 60) === 0) return everyAsCron(`${n / 60}h`);
  return undefined;
}

/** Why Knative's PingSource would refuse `expression` (undefined: it accepts it). */
export function cronProblem(expression: string): {message: string; suggestion: string} | undefined {
  const text = expression.trim();
  const example = 'e.g. cron: "*/5 * * * *" (every 5 minutes), "0 9 * * 1-5" or @hourly';
  if (/^(CRON_)?TZ=/.test(text)) return {message: `"${expression}" sets its time zone inline`, suggestion: `write the zone in the schedule's timezone field instead, e.g. timezone: ${text.split(/[=\s]/)[1] || 'Europe/Berlin'}`};
  // The webhook refuses any schedule that contains @every ("unsupported descriptor @every").
  if (text.includes('@every')) {
    const cron = everyAsCron(text.slice(text.indexOf('@every') + '@every'.length).trim());
    return {message: `"${expression}": Knative's PingSource does not accept @every`, suggestion: cron ? `use cron: "${cron}"` : example};
  }
  if (text.startsWith('@')) {
    return DESCRIPTORS.includes(text) ? undefined : {message: `"${expression}" is not a schedule descriptor; accepted: ${DESCRIPTORS.join(', ')}`, suggestion: example};
  }
  const fields = text ? text.split(/\s+/) : [];
  if (fields.length !== 5) {
    return {message: `"${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; a schedule has 5: minute hour day-of-month month day-of-week`, suggestion: example};
  }
  for (const [i, field] of CRON_FIELDS.entries()) {
    const problem = cronFieldProblem(fields[i], field);
    if (problem === L_W_OR_HASH) return {message: `"${expression}" uses L, W or #, which Knative's cron parser does not accept`, suggestion: example};
    if (problem) return {message: `"${expression}" is not a valid schedule: ${problem}`, suggestion: example};
  }
  return undefined;
}

let zones: string[] | undefined;
/** Why `zone` is not a time zone (undefined: it is one), with the closest known name. */
export function timezoneProblem(zone: string): {message: string; suggestion: string} | undefined {
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en-US', {timeZone: zone}).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  if (resolved !== undefined) {
    // Intl matches names in any case; Go's time.LoadLocation (Knative's) only as written, and every
    // IANA name has a capital letter.
    const wrongCase = (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) || zone === zone.toLowerCase();
    if (!wrongCase) return undefined;
    return {message: `"${zone}" is not an IANA time zone as written: the names are case-sensitive`, suggestion: `did you mean timezone: ${resolved}?`};
  }
  {
    zones ??= [...Intl.supportedValuesOf('timeZone'), 'UTC'];
    const guess = closest(zone, zones);
    return {message: `"${zone}" is not an IANA time zone`, suggestion: guess ? `did you mean timezone: ${guess}?` : 'e.g. timezone: Europe/Berlin or UTC'};
  }
}

/**
 * Event data Knative's webhook refuses: with contentType application/json (fn's default for data
 * that is not a string) it must be a JSON object, not a list, number or bare string.
 */
function dataProblem(s: Schedule): {message: string; suggestion: string} | undefined {
  const {data} = s;
  if (data === undefined) return undefined;
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) return undefined;
  if (typeof data === 'string' && s.contentType !== 'application/json') return undefined;
  if (Array.isArray(data)) {
    return {message: 'is a list: Knative sends JSON data only as an object', suggestion: `wrap it in an object, e.g. data: {items: ${JSON.stringify(data).replace(/,/g, ', ')}}`};
  }
  if (typeof data !== 'string') {
    return {message: `must be a map (sent as JSON) or a string (sent as text), not ${JSON.stringify(data)}`, suggestion: data === null ? 'remove data to send no data' : `quote it to send it as text: data: "${String(data)}"`};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return undefined;
  return {message: 'is not a JSON object, which Knative requires with contentType application/json', suggestion: 'write data as a map in fn.yaml (it is sent as JSON), or set another contentType (e.g. text/plain)'};
}

export function scheduleProblems(functionName: string, schedules: Schedule[] | undefined): Problem[] {
  const out: Problem[] = [];
  (schedules ?? []).forEach((s, i) => {
    const at = ['schedules', String(i)];
    const c = cronProblem(s.cron);
    if (c) out.push({code: 'INVALID_SCHEDULE', path: [...at, 'cron'], ...c});
    if (s.timezone !== undefined) {
      const z = timezoneProblem(s.timezone);
      if (z) out.push({code: 'INVALID_TIMEZONE', path: [...at, 'timezone'], ...z});
    }
    const d = dataProblem(s);
    if (d) out.push({code: 'INVALID_SCHEDULE', path: [...at, 'data'], ...d});
    if (s.name !== undefined) {
      const problem = nameProblem(s.name);
      if (problem) out.push({code: 'INVALID_NAME', path: [...at, 'name'], message: `"${s.name}" ${problem}`, suggestion: 'e.g. name: nightly'});
    }
  });
  if (out.length) return out;
  const names = eventObjectNames(functionName, {schedules}).pingSources;
  const first = new Map<string, number>();
  names.forEach((name, i) => {
    const seen = first.get(name);
    if (seen !== undefined) out.push({code: 'DUPLICATE_SCHEDULE', path: ['schedules', String(i), 'name'], message: `would be PingSource "${name}", as schedules[${seen}] is`, suggestion: `give schedules[${i}] another name`});
    else first.set(name, i);
  });
  return out;
}
