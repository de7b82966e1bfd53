// fn broker create: a Broker of the cluster's default class (Knative's config-br-defaults decides
// when none is given), then a watch until Knative says it is Ready, or why not.
import {FnError} from './errors.js';
import {BROKER_CLASS_ANNOTATION, brokerInfo, EVENTING_API_VERSION, type Broker, type BrokerInfo} from './eventing.js';
import {validateBrokerName} from './event-checks.js';
import {MANAGED_BY_LABEL} from './knative.js';
import type {Eventing, Progress} from './ports.js';

export interface CreateBrokerRequest {
  namespace: string;
  name: string;
  /** e.g. MTChannelBasedBroker; undefined: the cluster's default. */
  brokerClass?: string;
  wait: boolean;
  timeoutSeconds: number;
  signal?: AbortSignal;
}

export interface CreateBrokerResult {
  broker: BrokerInfo;
  /** False when it existed already (then nothing was changed). */
  created: boolean;
}

function brokerNextStep(info: BrokerInfo): string {
  const text = `${info.reason ?? ''} ${info.message ?? ''}`;
  if (/channel|imc|InMemoryChannel/i.test(text)) return 'its channel is not ready: check kubectl get inmemorychannels,pods -n knative-eventing';
  if (/Endpoints|broker-filter|broker-ingress/i.test(text)) return "the broker's ingress or filter has no ready pods: check kubectl get pods -n knative-eventing";
  return `kubectl describe broker ${info.name} -n ${info.namespace}`;
}

export async function createBroker(eventing: Eventing, request: CreateBrokerRequest, progress: Progress): Promise<CreateBrokerResult> {
  const {namespace, name} = request;
  validateBrokerName(name, 'broker');
  const existing = await eventing.broker(namespace, name);
  if (existing) {
    const cls = existing.metadata.annotations?.[BROKER_CLASS_ANNOTATION];
    if (request.brokerClass && cls && cls !== request.brokerClass) {
      throw new FnError('BROKER_EXISTS', 'conflict', `broker "${name}" exists in namespace "${namespace}" with class ${cls}, not ${request.brokerClass}`, {
        suggestion: `use it as it is, or delete it first: kubectl delete broker ${name} -n ${namespace}`,
      });
    }
    progress.info(`broker ${name} already exists in namespace ${namespace}: nothing changed`);
    return {broker: brokerInfo(existing), created: false};
  }
  const broker: Broker = {
    apiVersion: EVENTING_API_VERSION,
    kind: 'Broker',
    metadata: {name, namespace, labels: {[MANAGED_BY_LABEL]: 'fn'}, ...(request.brokerClass ? {annotations: {[BROKER_CLASS_ANNOTATION]: request.brokerClass}} : {})},
  };
  let created = await eventing.createBroker(broker);
  progress.step(`Created broker ${name} in namespace ${namespace}`);
  if (request.wait) {
    const seen = new Set<string>();
    const {broker: last, timedOut} = await eventing.watchBrokerUntil(
      namespace,
      name,
      (b) => {
        if (!b) return false;
        const info = brokerInfo(b);
        const line = `Ready: ${info.ready}${info.reason ? ` ${info.reason}` : ''}${info.message ? ` — ${info.message}` : ''}`;
        if (!seen.has(line)) progress.info(line), seen.add(line);
        return info.ready === 'True';
      },
      {timeoutSeconds: request.timeoutSeconds, signal: request.signal},
    );
    if (last) created = last;
    const info = brokerInfo(created);
    if (timedOut) {
      throw new FnError('BROKER_NOT_READY', 'timeout', `broker ${name} was not Ready within ${request.timeoutSeconds}s: ${info.reason ?? 'no reason given'}${info.message ? ` — ${info.message}` : ''}`, {
        suggestion: brokerNextStep(info),
        details: {broker: info},
      });
    }
  }
  return {broker: brokerInfo(created), created: true};
}
