// The parts of the Knative Eventing API (eventing.knative.dev/v1, sources.knative.dev/v1) that fn reads
// and writes, as plain types, and what fn.yaml says about events. Pure: no SDK.
import type {Condition, ConditionStatus, ObjectMeta} from './knative.js';
import {condition} from './knative.js';
import type {BACKOFF_POLICIES} from './function-schema.js';

export const EVENTING_API_VERSION = 'eventing.knative.dev/v1';
export const SOURCES_API_VERSION = 'sources.knative.dev/v1';
/** The broker class Knative installs by default (the channel-based one). */
export const DEFAULT_BROKER_CLASS = 'MTChannelBasedBroker';
export const BROKER_CLASS_ANNOTATION = 'eventing.knative.dev/broker.class';

// ---- fn.yaml ---------------------------------------------------------------------------------------

/** Exact matches on CloudEvents attributes (Trigger spec.filter.attributes): all must hold. */
export type AttributeFilters = Record<string, string>;

/**
 * One expression of the newer filter dialect (Trigger spec.filters, Knative's Subscriptions API):
 * exactly one key per expression.
 */
export type FilterExpression =
  | {exact: Record<string, string>}
  | {prefix: Record<string, string>}
  | {suffix: Record<string, string>}
  | {all: FilterExpression[]}
  | {any: FilterExpression[]}
  | {not: FilterExpression}
  | {cesql: string};
export const FILTER_DIALECT_KEYS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not', 'cesql'] as const;

/** fn.yaml `subscriptions[]`: a Trigger on a broker that delivers matching events to the function. */
export interface Subscription {
  broker: string;
  /** The Trigger's name after the function's ("<function>-<name>"); default "<function>-<broker>[-n]". */
  name?: string;
  /** A map: exact attribute matches (spec.filter). A list: the newer dialect (spec.filters). */
  filters?: AttributeFilters | FilterExpression[];
  /** What the broker does when the function does not take an event (Trigger spec.delivery). */
  delivery?: SubscriptionDelivery;
}

/**
 * fn.yaml `subscriptions[].delivery`, Knative's DeliverySpec in its own names: retries after the first
 * attempt, their back-off, and where an event goes when every attempt failed.
 */
export interface SubscriptionDelivery {
  retry?: number;
  backoffPolicy?: BackoffPolicy;
  /** fn's duration ("500ms", "2s") or ISO 8601 ("PT0.5S"): the delay before the first retry. */
  backoffDelay?: string;
  /** A Knative Service's name (or ksvc:NAME), broker:NAME, or an http(s) URL (kn's sink forms). */
  deadLetterSink?: string;
}
export type BackoffPolicy = (typeof BACKOFF_POLICIES)[number];

/** fn.yaml `schedules[]`: a PingSource that sends the function an event on a cron schedule. */
export interface Schedule {
  cron: string;
  /** An IANA time zone (Europe/Berlin); default: the PingSource adapter's, which is UTC in Knative's image. */
  timezone?: string;
  /** The event's data: a map is sent as JSON (application/json), a string as it is (text/plain). */
  data?: unknown;
  contentType?: string;
  /** The PingSource's name after the function's ("<function>-<name>"); default "<function>-schedule-<n>". */
  name?: string;
}

// ---- API objects ---------------------------------------------------------------------------------

export interface KReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}
export interface Destination {
  ref?: KReference;
  uri?: string;
}

/** Knative's DeliverySpec (duck v1), the part fn writes. */
export interface DeliverySpec {
  deadLetterSink?: Destination;
  retry?: number;
  backoffPolicy?: BackoffPolicy;
  /** ISO 8601 duration. */
  backoffDelay?: string;
}

export interface EventingStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface Trigger {
  apiVersion: typeof EVENTING_API_VERSION;
  kind: 'Trigger';
  metadata: ObjectMeta;
  spec: {
    broker: string;
    filter?: {attributes?: AttributeFilters};
    filters?: FilterExpression[];
    subscriber: Destination;
    delivery?: DeliverySpec;
  };
  status?: EventingStatus & {subscriberUri?: string; deadLetterSinkUri?: string};
}

export interface PingSource {
  apiVersion: typeof SOURCES_API_VERSION;
  kind: 'PingSource';
  metadata: ObjectMeta;
  spec: {
    schedule: string;
    timezone?: string;
    contentType?: string;
    data?: string;
    sink: Destination;
  };
  status?: EventingStatus & {sinkUri?: string};
}

export interface Broker {
  apiVersion: typeof EVENTING_API_VERSION;
  kind: 'Broker';
  metadata: ObjectMeta;
  spec?: {config?: KReference; delivery?: unknown};
  status?: EventingStatus & {address?: {url?: string}};
}

/** The objects that wire one function to events. */
export interface EventObjects {
  triggers: Trigger[];
  pingSources: PingSource[];
}

// ---- what fn shows ---------------------------------------------------------------------------------

export interface Readiness {
  ready: ConditionStatus;
  reason?: string;
  message?: string;
}

/** An object's Ready condition; Unknown until its controller has seen the latest spec. */
export function readinessOf(o: {metadata: {generation?: number}; status?: EventingStatus}): Readiness {
  const seen = o.status?.observedGeneration !== undefined && o.status.observedGeneration === o.metadata.generation;
  const ready = condition(o.status?.conditions, 'Ready');
  if (!seen || !ready) return {ready: 'Unknown', reason: seen ? 'NoStatus' : 'NotObserved', message: seen ? 'no Ready condition yet' : 'the controller has not seen this version yet'};
  // The Ready condition often repeats a sub-condition's reason; the first non-True one says most.
  const cause = ready.status === 'True' ? undefined : o.status?.conditions?.find((c) => c.type !== 'Ready' && c.status !== 'True' && c.reason);
  const reason = ready.reason ?? cause?.reason;
  const message = ready.message ?? cause?.message;
  return {ready: ready.status, ...(reason ? {reason} : {}), ...(message ? {message} : {})};
}

/** Filters as people read them: `type=com.example.order source=/orders`, or the dialect's expressions. */
export function describeFilters(trigger: Pick<Trigger, 'spec'>): string {
  if (trigger.spec.filters?.length) return trigger.spec.filters.map(describeExpression).join(' ');
  const attributes = Object.entries(trigger.spec.filter?.attributes ?? {});
  return attributes.length ? attributes.map(([k, v]) => `${k}=${v}`).join(' ') : '(all events)';
}

/** A delivery as people read it: "retry 3 (exponential, PT1S), dead letters to ksvc:dlq". */
export function describeDelivery(spec: DeliverySpec | undefined): string | undefined {
  if (!spec) return undefined;
  const parts: string[] = [];
  if (spec.retry !== undefined) {
    const backoff = [spec.backoffPolicy, spec.backoffDelay].filter(Boolean).join(', ');
    parts.push(`retry ${spec.retry}${backoff ? ` (${backoff})` : ''}`);
  }
  const sink = spec.deadLetterSink;
  if (sink) parts.push(`dead letters to ${sink.uri ?? `${sink.ref?.kind === 'Broker' ? 'broker' : 'ksvc'}:${sink.ref?.name}`}`);
  return parts.length ? parts.join(', ') : undefined;
}

function describeExpression(e: FilterExpression): string {
  const [[dialect, value]] = Object.entries(e) as [[string, unknown]];
  if (dialect === 'cesql') return `cesql(${String(value)})`;
  if (dialect === 'not') return `not(${describeExpression(value as FilterExpression)})`;
  if (dialect === 'all' || dialect === 'any') return `${dialect}(${(value as FilterExpression[]).map(describeExpression).join(', ')})`;
  return Object.entries(value as Record<string, string>)
    .map(([k, v]) => (dialect === 'exact' ? `${k}=${v}` : dialect === 'prefix' ? `${k}=${v}*` : `${k}=*${v}`))
    .join(' ');
}

export interface TriggerInfo extends Readiness {
  name: string;
  broker: string;
  filters: string;
  /** Retries and dead-letter sink, as people read them (describeDelivery). */
  delivery?: string;
  subscriber?: string;
}
export interface ScheduleInfo extends Readiness {
  name: string;
  cron: string;
  timezone?: string;
  data?: string;
  sink?: string;
}
export interface BrokerInfo extends Readiness {
  name: string;
  namespace: string;
  url?: string;
  class?: string;
}

export function triggerInfo(t: Trigger): TriggerInfo {
  const delivery = describeDelivery(t.spec.delivery);
  return {
    name: t.metadata.name,
    broker: t.spec.broker,
    filters: describeFilters(t),
    ...(delivery ? {delivery} : {}),
    ...(t.status?.subscriberUri ? {subscriber: t.status.subscriberUri} : {}),
    ...readinessOf(t),
  };
}

export function scheduleInfo(p: PingSource): ScheduleInfo {
  return {
    name: p.metadata.name,
    cron: p.spec.schedule,
    ...(p.spec.timezone ? {timezone: p.spec.timezone} : {}),
    ...(p.spec.data !== undefined ? {data: p.spec.data} : {}),
    ...(p.status?.sinkUri ? {sink: p.status.sinkUri} : {}),
    ...readinessOf(p),
  };
}

export function brokerInfo(b: Broker): BrokerInfo {
  const cls = b.metadata.annotations?.[BROKER_CLASS_ANNOTATION];
  return {
    name: b.metadata.name,
    namespace: b.metadata.namespace ?? '',
    ...(b.status?.address?.url ? {url: b.status.address.url} : {}),
    ...(cls ? {class: cls} : {}),
    ...readinessOf(b),
  };
}
