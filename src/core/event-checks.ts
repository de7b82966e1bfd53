// What fn.yaml's `subscriptions` and `schedules` must hold that the JSON schema cannot say, checked on
// every load so `fn deploy` refuses them before the cluster is contacted: broker and object names,
// empty or repeated filter keys (func collapses two filters on one key: func#2572; accepts empty keys:
// func#3228), the filter dialect's shape, two subscriptions that would be the same Trigger, cron
// expressions as Knative's PingSource parses them (robfig/cron's standard parser) and IANA time zones.
import {createRequire} from 'node:module';
import {closest} from 'fastest-levenshtein';
import {FnError} from './errors.js';
import type {ConfigProblem} from './function-checks.js';
import {FILTER_DIALECT_KEYS, type FilterExpression, type Schedule, type Subscription} from './eventing.js';
import {eventObjectNames} from './event-manifests.js';

/** A CloudEvents attribute name: lower-case letters and digits (the spec; Knative's webhook checks the same). */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** robfig/cron's descriptors, which PingSource accepts besides five fields. */
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
/** A Go duration, as `@every 1h30m` takes. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

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
      const fix = key.toLowerCase().replace(/[^a-z0-9]/g, '');
      emit({code: 'INVALID_FILTER', path: [...at, key], message: `attribute "${key}" is not a CloudEvents attribute name: lower-case letters and digits only`, suggestion: fix ? `use "${fix}"` : 'e.g. type, source, subject', onKey: true});
    }
    if (typeof value !== 'string') {
      emit({code: 'INVALID_FILTER', path: [...at, key], message: `must be a string (got ${JSON.stringify(value)})`, suggestion: `quote it: ${key}: "${String(value)}"`});
    } else if (value === '') {
      emit({code: 'INVALID_FILTER', path: [...at, key], message: 'is empty: an empty value would match every event', suggestion: `remove ${key} to match every value, or give the value to match`});
    }
  }
}

function expressionProblems(e: unknown, at: string[], emit: Emit): void {
  const keys = typeof e === 'object' && e !== null && !Array.isArray(e) ? Object.keys(e) : [];
  if (keys.length !== 1 || !(FILTER_DIALECT_KEYS as readonly string[]).includes(keys[0])) {
    const unknown = keys.find((k) => !(FILTER_DIALECT_KEYS as readonly string[]).includes(k));
    const hint = unknown ? ` ("${unknown}" is not one${closest(unknown, [...FILTER_DIALECT_KEYS]) ? `; did you mean "${closest(unknown, [...FILTER_DIALECT_KEYS])}"?` : ''})` : '';
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
    if (!('exact' in e) || typeof e.exact !== 'object' || e.exact === null) return;
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
      out.push({code: 'DUPLICATE_SUBSCRIPTION', path: [...at, ...(s.name ? ['name'] : [])], message: `would be Trigger "${names[i]}", as subscriptions[${sameName}] is`, suggestion: `give one of them another name: (subscriptions[${i}].name)`});
    } else byName.set(names[i], i);
    const content = JSON.stringify([s.broker, s.filters ?? {}]);
    const same = byContent.get(content);
    if (same !== undefined) {
      out.push({code: 'DUPLICATE_SUBSCRIPTION', path: at, message: `subscribes to broker "${s.broker}" with the same filters as subscriptions[${same}]: every event would arrive twice`, suggestion: `remove subscriptions[${i}] from fn.yaml`});
    } else byContent.set(content, i);
  });
  return out;
}

type CronerModule = typeof import('croner');
let croner: CronerModule | undefined;
/** croner (a small cron parser) is loaded only for functions that have schedules. */
function cron(): CronerModule {
  croner ??= createRequire(import.meta.url)('croner') as CronerModule;
  return croner;
}

/** Why Knative's PingSource would refuse `expression` (undefined: it accepts it). */
export function cronProblem(expression: string): {message: string; suggestion: string} | undefined {
  const text = expression.trim();
  const example = 'e.g. cron: "*/5 * * * *" (every 5 minutes), "0 9 * * 1-5" or @hourly';
  if (/^(CRON_)?TZ=/.test(text)) return {message: `"${expression}" sets its time zone inline`, suggestion: `write the zone in the schedule's timezone field instead, e.g. timezone: ${text.split(/[=\s]/)[1] || 'Europe/Berlin'}`};
  if (text.startsWith('@every')) {
    const duration = text.slice('@every'.length).trim();
    return GO_DURATION.test(duration) ? undefined : {message: `"${expression}": @every needs a duration such as 5m or 1h30m`, suggestion: example};
  }
  if (text.startsWith('@')) {
    return DESCRIPTORS.includes(text) ? undefined : {message: `"${expression}" is not a schedule descriptor; accepted: ${DESCRIPTORS.join(', ')}, @every <duration>`, suggestion: example};
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    return {message: `"${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; a schedule has 5: minute hour day-of-month month day-of-week`, suggestion: example};
  }
  // croner knows extensions robfig/cron (and so Knative) does not: L, W and #.
  if (fields.some((f) => /[#]|(^|[,/-])L|\dW|LW/.test(f))) return {message: `"${expression}" uses L, W or #, which Knative's cron parser does not accept`, suggestion: example};
  try {
    new (cron().Cron)(text, {paused: true});
    return undefined;
  } catch (e) {
    return {message: `"${expression}" is not a valid schedule: ${(e as Error).message.replace(/^CronPattern: /, '')}`, suggestion: example};
  }
}

let zones: string[] | undefined;
/** Why `zone` is not a time zone (undefined: it is one), with the closest known name. */
export function timezoneProblem(zone: string): {message: string; suggestion: string} | undefined {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: zone});
    return undefined;
  } catch {
    zones ??= Intl.supportedValuesOf('timeZone');
    const guess = closest(zone, zones);
    return {message: `"${zone}" is not an IANA time zone`, suggestion: guess ? `did you mean timezone: ${guess}?` : 'e.g. timezone: Europe/Berlin or UTC'};
  }
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
