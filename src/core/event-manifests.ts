// fn.yaml `subscriptions` and `schedules` → Knative Triggers and PingSources that deliver to the function.
// Pure and deterministic like manifests.ts: `fn manifests` prints the same objects `fn deploy` applies
// (deploy adds an owner reference to the live Service, which GitOps output cannot know).
// Names are stable across deploys so a changed filter updates its Trigger instead of adding one:
// "<function>-<name>" when the subscription names itself, else "<function>-<broker>" (then -2, -3… for
// more on the same broker). The broker is part of the default name because a Trigger's broker cannot
// change; PingSources are "<function>-schedule-<n>" or "<function>-<name>".
import {deliverySpec} from './event-delivery.js';
import {sha256Hex} from './sha256.js';
import type {FunctionConfig, RoutingMode} from './function.js';
import {EVENTING_API_VERSION, SOURCES_API_VERSION, type Destination, type EventObjects, type PingSource, type Schedule, type Subscription, type Trigger} from './eventing.js';
import {MANAGED_BY_LABEL, NAME_LABEL, SERVING_API_VERSION, type ObjectMeta} from './knative.js';

/** Label on fn's Triggers and PingSources naming the function they deliver to (with managed-by: fn). */
export const EVENT_FUNCTION_LABEL = 'fn.dev/function';

/** A Kubernetes object name from a function name and a suffix, kept within 63 characters (a label value). */
export function childName(functionName: string, suffix: string): string {
  const name = `${functionName}-${suffix}`;
  if (name.length <= 63) return name;
  const hash = sha256Hex(name).slice(0, 8);
  return `${name.slice(0, 63 - 9).replace(/-+$/, '')}-${hash}`;
}

export function eventObjectNames(functionName: string, config: {subscriptions?: Subscription[]; schedules?: Schedule[]}): {triggers: string[]; pingSources: string[]} {
  const perBroker = new Map<string, number>();
  const triggers = (config.subscriptions ?? []).map((s) => {
    if (s.name) return childName(functionName, s.name);
    const n = (perBroker.get(s.broker) ?? 0) + 1;
    perBroker.set(s.broker, n);
    return childName(functionName, n === 1 ? s.broker : `${s.broker}-${n}`);
  });
  const pingSources = (config.schedules ?? []).map((s, i) => childName(functionName, s.name ?? `schedule-${i + 1}`));
  return {triggers, pingSources};
}

/** Where events go: the function's Service, or its Route in route mode (both are addressable). */
export function functionDestination(name: string, routing: RoutingMode): Destination {
  return {ref: {apiVersion: SERVING_API_VERSION, kind: routing === 'service' ? 'Service' : 'Route', name}};
}

export function eventLabels(functionName: string): Record<string, string> {
  return {[NAME_LABEL]: functionName, [MANAGED_BY_LABEL]: 'fn', [EVENT_FUNCTION_LABEL]: functionName};
}

/** Whether an object is one of fn's for this function: what eventSelector selects. */
export function isFunctionEventObject(object: {metadata: ObjectMeta}, functionName: string): boolean {
  const labels = object.metadata.labels ?? {};
  return labels[EVENT_FUNCTION_LABEL] === functionName && labels[MANAGED_BY_LABEL] === 'fn';
}

/** The label selector of one function's Triggers and PingSources. */
export function eventSelector(functionName: string): string {
  return `${EVENT_FUNCTION_LABEL}=${functionName},${MANAGED_BY_LABEL}=fn`;
}

function scheduleData(s: Schedule): {data?: string; contentType?: string} {
  if (s.data === undefined) return s.contentType ? {contentType: s.contentType} : {};
  if (typeof s.data === 'string') return {data: s.data, contentType: s.contentType ?? 'text/plain'};
  return {data: JSON.stringify(s.data), contentType: s.contentType ?? 'application/json'};
}

export function eventManifests(config: Pick<FunctionConfig, 'name' | 'subscriptions' | 'schedules'>, options: {namespace?: string; routing: RoutingMode}): EventObjects {
  const names = eventObjectNames(config.name, config);
  const metadata = (name: string): ObjectMeta => ({name, ...(options.namespace ? {namespace: options.namespace} : {}), labels: eventLabels(config.name)});
  const subscriber = functionDestination(config.name, options.routing);
  const triggers = (config.subscriptions ?? []).map((s, i): Trigger => {
    const spec: Trigger['spec'] = {broker: s.broker, subscriber};
    if (Array.isArray(s.filters)) spec.filters = s.filters;
    else if (s.filters && Object.keys(s.filters).length) spec.filter = {attributes: s.filters};
    const delivery = s.delivery && deliverySpec(s.delivery);
    if (delivery) spec.delivery = delivery;
    return {apiVersion: EVENTING_API_VERSION, kind: 'Trigger', metadata: metadata(names.triggers[i]), spec};
  });
  const pingSources = (config.schedules ?? []).map(
    (s, i): PingSource => ({
      apiVersion: SOURCES_API_VERSION,
      kind: 'PingSource',
      metadata: metadata(names.pingSources[i]),
      spec: {schedule: s.cron.trim(), ...(s.timezone ? {timezone: s.timezone} : {}), ...scheduleData(s), sink: subscriber},
    }),
  );
  return {triggers, pingSources};
}
