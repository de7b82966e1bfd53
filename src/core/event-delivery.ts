// fn.yaml `subscriptions[].delivery` → a Trigger's spec.delivery (Knative's DeliverySpec): how often the
// broker retries an event the function did not take (an error answer or none), the back-off between
// attempts, and the dead-letter sink that gets the event once every attempt failed. The sink is written
// as kn writes one (--dl-sink): a Knative Service's name or ksvc:NAME, broker:NAME, or an http(s) URL.
// Pure: the checks run on every load of fn.yaml, the spec is part of fn manifests and fn deploy.
import {EVENTING_API_VERSION, type DeliverySpec, type Destination, type SubscriptionDelivery} from './eventing.js';
import {durationMs} from './flag-values.js';
import {SERVING_API_VERSION} from './knative.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** ISO 8601 durations as Knative parses them (PT0.5S, PT2M, P1D): at least one component. */
const ISO_DURATION = /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;
const SINK_FORMS = 'a function (Knative Service) name or ksvc:NAME, broker:NAME, or an http(s) URL';

export interface DeliveryProblem {
  code: string;
  /** Under the subscription: ['delivery', 'backoffDelay']. */
  path: string[];
  message: string;
  suggestion: string;
}

type Sink = {kind: 'Service' | 'Broker'; name: string} | {kind: 'uri'; uri: string};

function parseSink(text: string): Sink | undefined {
  if (/^https?:\/\//i.test(text)) {
    try {
      return new URL(text).host ? {kind: 'uri', uri: text} : undefined;
    } catch {
      return undefined;
    }
  }
  const [prefix, name] = text.includes(':') ? text.split(/:(.*)/s) : ['ksvc', text];
  if (!DNS1123_LABEL.test(name ?? '') || name!.length > 63) return undefined;
  if (prefix === 'ksvc') return {kind: 'Service', name: name!};
  if (prefix === 'broker') return {kind: 'Broker', name: name!};
  return undefined;
}

/** A backoffDelay as Knative takes it: ISO 8601, from fn's duration grammar when written that way. */
function isoDelay(text: string): string | undefined {
  if (ISO_DURATION.test(text)) return text;
  const ms = durationMs(text);
  return ms === undefined || ms === 0 ? undefined : `PT${Number((ms / 1000).toFixed(3))}S`;
}

export function deliverySpec(delivery: SubscriptionDelivery): DeliverySpec | undefined {
  const spec: DeliverySpec = {};
  if (delivery.deadLetterSink !== undefined) {
    const sink = parseSink(delivery.deadLetterSink.trim());
    if (sink) spec.deadLetterSink = destination(sink);
  }
  if (delivery.retry !== undefined) spec.retry = delivery.retry;
  if (delivery.backoffPolicy !== undefined) spec.backoffPolicy = delivery.backoffPolicy;
  if (delivery.backoffDelay !== undefined) {
    const delay = isoDelay(delivery.backoffDelay.trim());
    if (delay) spec.backoffDelay = delay;
  }
  return Object.keys(spec).length ? spec : undefined;
}

function destination(sink: Sink): Destination {
  if (sink.kind === 'uri') return {uri: sink.uri};
  return {ref: {apiVersion: sink.kind === 'Service' ? SERVING_API_VERSION : EVENTING_API_VERSION, kind: sink.kind, name: sink.name}};
}

/** What Knative (or common sense) would refuse in a subscription's delivery; schema types are checked already. */
export function deliveryProblems(functionName: string, broker: string, delivery: SubscriptionDelivery): DeliveryProblem[] {
  const out: DeliveryProblem[] = [];
  if (delivery.backoffDelay !== undefined && !isoDelay(delivery.backoffDelay.trim())) {
    out.push({
      code: 'INVALID_DELIVERY',
      path: ['delivery', 'backoffDelay'],
      message: `"${delivery.backoffDelay}" is not a delay: a positive duration with a unit (500ms, 2s, 1m) or ISO 8601 (PT0.5S)`,
      suggestion: 'e.g. backoffDelay: 1s',
    });
  }
  if ((delivery.backoffDelay !== undefined || delivery.backoffPolicy !== undefined) && delivery.retry === undefined) {
    out.push({code: 'INVALID_DELIVERY', path: ['delivery'], message: 'sets a back-off but no retry: without retries there is nothing to back off', suggestion: 'add retry: 3 (attempts after the first), or remove the back-off'});
  }
  if (delivery.deadLetterSink !== undefined) {
    const text = delivery.deadLetterSink.trim();
    const sink = parseSink(text);
    if (!sink) {
      out.push({code: 'INVALID_DELIVERY', path: ['delivery', 'deadLetterSink'], message: `"${delivery.deadLetterSink}" is not a sink: give ${SINK_FORMS}`, suggestion: 'e.g. deadLetterSink: dead-letters (a function in the same namespace)'});
    } else if (sink.kind === 'Service' && sink.name === functionName) {
      out.push({code: 'INVALID_DELIVERY', path: ['delivery', 'deadLetterSink'], message: `"${text}" is the function itself: the events it failed would be sent to it again`, suggestion: 'name another function (or a URL) to keep the failed events'});
    } else if (sink.kind === 'Broker' && sink.name === broker) {
      out.push({code: 'INVALID_DELIVERY', path: ['delivery', 'deadLetterSink'], message: `"${text}" is the broker this subscription receives from: a failed event would come back to the function, again and again`, suggestion: 'send dead letters to another broker, a function or a URL'});
    }
  }
  return out;
}
