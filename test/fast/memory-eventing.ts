// The Eventing port in memory, behaving like the API server and Knative Eventing's controllers where
// fn depends on them: objects are found by fn's labels; an apply stores the object (generation 1 when
// new, +1 when its spec changes; status kept), sets fn's owner reference, or only validates it in a
// dry run; the admission webhook is a hook the test sets (validate), plus the rule Knative's webhook
// enforces itself: a Trigger's broker cannot change. Status (conditions, observedGeneration) is what
// the test sets, or, with autoReady, what a controller writes soon after each write. Watches see
// every change as it is made, bounded by real time.
import {FnError} from '../../src/core/errors.js';
import {BROKER_CLASS_ANNOTATION, DEFAULT_BROKER_CLASS, type Broker, type EventObjects, type EventingStatus, type PingSource, type Trigger} from '../../src/core/eventing.js';
import {EVENT_FUNCTION_LABEL, isFunctionEventObject} from '../../src/core/event-manifests.js';
import type {Condition, ConditionStatus} from '../../src/core/knative.js';
import {MANAGED_BY_LABEL} from '../../src/core/knative.js';
import type {EventWatchResult, Eventing, OwnerReference, WatchOptions} from '../../src/core/ports.js';
import {Changes} from './changes.js';
import {compareText} from '../../src/core/text-order.js';

type Kind = 'Trigger' | 'PingSource';
type EventObject = Trigger | PingSource;

/** A status as a test writes it: Ready (and the conditions before it), seen at `observedGeneration`. */
export interface StatusChange {
  ready: ConditionStatus;
  reason?: string;
  message?: string;
  /** Conditions besides Ready (e.g. BrokerReady False), listed first as Knative does. */
  conditions?: Condition[];
  /** Default: the object's generation (the controller has seen the latest spec). */
  observedGeneration?: number;
}

export class MemoryEventing implements Eventing {
  readonly objects = new Map<string, EventObject>();
  readonly brokersByKey = new Map<string, Broker>();
  /** Every call of the port, by method name ("apply:dryRun" for a dry run): what would be API requests. */
  readonly calls: string[] = [];
  /** Every apply sent (dry runs too, refused ones too), with the owner it was given. */
  readonly applies: Array<{names: string[]; owner?: OwnerReference; dryRun: boolean}> = [];
  /** The admission webhook: throw (an FnError, as the adapter would) to refuse an object. */
  validate?: (object: EventObject, options: {dryRun: boolean}) => void;
  /** Runs at each call of the port, before it does anything (to look at the rest of the world then). */
  onCall?: (method: string) => void;
  /** The controllers mark each object Ready at its generation right after a write. */
  autoReady = false;
  /** The broker controller marks a new broker Ready right after it is created. */
  brokerAutoReady = false;
  private rv = 0;
  private uids = 0;
  private readonly changes = new Changes();

  // ---- what the test sets up -----------------------------------------------------------------------

  seedBroker(namespace: string, name: string, options: {brokerClass?: string; ready?: ConditionStatus} = {}): Broker {
    const broker: Broker = {
      apiVersion: 'eventing.knative.dev/v1',
      kind: 'Broker',
      metadata: {name, namespace, generation: 1, resourceVersion: this.nextRv(), uid: this.nextUid(), annotations: {[BROKER_CLASS_ANNOTATION]: options.brokerClass ?? DEFAULT_BROKER_CLASS}},
      status: {observedGeneration: 1, conditions: [{type: 'Ready', status: options.ready ?? 'True'}], ...(options.ready === 'True' || !options.ready ? {address: {url: `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/${name}`}} : {})},
    };
    this.brokersByKey.set(key(namespace, name), broker);
    this.changes.notify();
    return structuredClone(broker);
  }

  /** An object as another function, another tool or an earlier deploy left it (stored as given). */
  seed(object: EventObject): void {
    const stored = structuredClone(object);
    stored.metadata = {generation: 1, uid: this.nextUid(), ...stored.metadata, resourceVersion: this.nextRv()};
    this.objects.set(objectKey(stored), stored);
    this.changes.notify();
  }

  get(kind: Kind, namespace: string, name: string): EventObject | undefined {
    const o = this.objects.get(`${kind}/${key(namespace, name)}`);
    return o && structuredClone(o);
  }

  /** What the controller writes: conditions and observedGeneration. */
  setStatus(kind: Kind, namespace: string, name: string, change: StatusChange): void {
    const o = this.objects.get(`${kind}/${key(namespace, name)}`);
    if (!o) throw new Error(`test: no ${kind} ${namespace}/${name}`);
    o.status = {...statusOf(o, change), ...(change.ready === 'True' ? {[kind === 'Trigger' ? 'subscriberUri' : 'sinkUri']: `http://${o.metadata.labels?.[EVENT_FUNCTION_LABEL] ?? 'function'}.${namespace}.svc.cluster.local`} : {})};
    o.metadata.resourceVersion = this.nextRv();
    this.changes.notify();
  }

  setBrokerStatus(namespace: string, name: string, change: StatusChange): void {
    const b = this.brokersByKey.get(key(namespace, name));
    if (!b) throw new Error(`test: no broker ${namespace}/${name}`);
    b.status = {...statusOf(b, change), ...(change.ready === 'True' ? {address: {url: `http://broker-ingress.knative-eventing.svc.cluster.local/${namespace}/${name}`}} : {})};
    b.metadata.resourceVersion = this.nextRv();
    this.changes.notify();
  }

  // ---- the port ------------------------------------------------------------------------------------------

  async objectsOf(namespace: string, functionName: string): Promise<EventObjects> {
    this.call('objectsOf');
    return this.selected(namespace, functionName);
  }

  async objectsIn(namespace: string): Promise<EventObjects> {
    this.call('objectsIn');
    return this.inNamespace(namespace, () => true);
  }

  async brokers(namespace: string | undefined): Promise<Broker[]> {
    this.call('brokers');
    return byName([...this.brokersByKey.values()].filter((b) => namespace === undefined || b.metadata.namespace === namespace)).map((b) => structuredClone(b));
  }

  async broker(namespace: string, name: string): Promise<Broker | undefined> {
    this.call('broker');
    const b = this.brokersByKey.get(key(namespace, name));
    return b && structuredClone(b);
  }

  async createBroker(broker: Broker): Promise<Broker> {
    this.call('createBroker');
    const namespace = broker.metadata.namespace ?? '';
    if (this.brokersByKey.has(key(namespace, broker.metadata.name))) {
      throw new FnError('ALREADY_EXISTS', 'conflict', `brokers.eventing.knative.dev "${broker.metadata.name}" already exists`);
    }
    const stored: Broker = structuredClone(broker);
    // Knative's webhook sets the class when none is given (config-br-defaults).
    stored.metadata = {...stored.metadata, generation: 1, uid: this.nextUid(), resourceVersion: this.nextRv(), annotations: {[BROKER_CLASS_ANNOTATION]: DEFAULT_BROKER_CLASS, ...stored.metadata.annotations}};
    this.brokersByKey.set(key(namespace, stored.metadata.name), stored);
    this.changes.notify();
    if (this.brokerAutoReady) setImmediate(() => this.brokersByKey.has(key(namespace, stored.metadata.name)) && this.setBrokerStatus(namespace, stored.metadata.name, {ready: 'True'}));
    return structuredClone(stored);
  }

  async apply(objects: EventObjects, options: {owner?: OwnerReference; dryRun?: boolean}): Promise<EventObjects> {
    const dryRun = Boolean(options.dryRun);
    this.call(dryRun ? 'apply:dryRun' : 'apply');
    this.applies.push({names: [...objects.triggers, ...objects.pingSources].map((o) => `${o.kind}/${o.metadata.name}`), ...(options.owner ? {owner: options.owner} : {}), dryRun});
    const out: EventObjects = {triggers: [], pingSources: []};
    // One request per object, as the adapter sends them: a refusal leaves the ones before it applied.
    for (const o of [...objects.triggers, ...objects.pingSources]) {
      const stored = this.applyOne(o, options.owner, dryRun);
      if (stored.kind === 'Trigger') out.triggers.push(stored);
      else out.pingSources.push(stored);
    }
    return out;
  }

  async delete(objects: EventObjects): Promise<void> {
    this.call('delete');
    for (const o of [...objects.triggers, ...objects.pingSources]) this.objects.delete(objectKey(o));
    this.changes.notify();
  }

  async watchUntil(namespace: string, functionName: string, done: (objects: EventObjects) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<EventWatchResult> {
    this.call('watchUntil');
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    for (;;) {
      const seen = this.changes.seen;
      const objects = this.selected(namespace, functionName);
      if (done(objects)) return {objects, timedOut: false};
      const changed = await this.changes.next(seen, deadline - Date.now(), options.signal);
      if (options.signal?.aborted) throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
      if (!changed) return {objects: this.selected(namespace, functionName), timedOut: true};
    }
  }

  async watchBrokerUntil(namespace: string, name: string, done: (broker: Broker | undefined) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<{broker?: Broker; timedOut: boolean}> {
    this.call('watchBrokerUntil');
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    const read = () => {
      const b = this.brokersByKey.get(key(namespace, name));
      return b && structuredClone(b);
    };
    for (;;) {
      const seen = this.changes.seen;
      const broker = read();
      if (done(broker)) return {broker, timedOut: false};
      const changed = await this.changes.next(seen, deadline - Date.now(), options.signal);
      if (options.signal?.aborted) throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
      if (!changed) return {broker: read(), timedOut: true};
    }
  }

  // ---- what the API server and the controllers do ------------------------------------------------------

  private applyOne<T extends EventObject>(object: T, owner: OwnerReference | undefined, dryRun: boolean): T {
    const k = objectKey(object);
    const live = this.objects.get(k) as T | undefined;
    if (live?.kind === 'Trigger' && (live as Trigger).spec.broker !== (object as Trigger).spec.broker) {
      // Knative's webhook: a Trigger's broker is immutable.
      throw new FnError('ADMISSION_REJECTED', 'rejected', `admission webhook "validation.webhook.eventing.knative.dev" denied the request: validation failed: Immutable fields changed (-old +new): broker, spec`);
    }
    this.validate?.(structuredClone(object), {dryRun});
    const specChanged = !live || JSON.stringify(live.spec) !== JSON.stringify(object.spec);
    const next = structuredClone(object);
    // Server-side apply as field manager fn: fn's labels and owner reference are what it sends now.
    next.metadata = {
      ...object.metadata,
      uid: live?.metadata.uid ?? this.nextUid(),
      generation: (live?.metadata.generation ?? 0) + (specChanged ? 1 : 0),
      resourceVersion: this.nextRv(),
      ...(owner ? {ownerReferences: [{...owner, controller: false}]} : {}),
    };
    if (live?.status) next.status = structuredClone(live.status) as never;
    if (dryRun) return next;
    this.objects.set(k, next);
    this.changes.notify();
    if (this.autoReady) {
      setImmediate(() => {
        const now = this.objects.get(k);
        if (now) this.setStatus(now.kind, now.metadata.namespace ?? '', now.metadata.name, {ready: 'True'});
      });
    }
    return structuredClone(next);
  }

  private selected(namespace: string, functionName: string): EventObjects {
    return this.inNamespace(namespace, (o) => isFunctionEventObject(o, functionName));
  }

  /** Copies of the namespace's objects that `keep` keeps, by kind and name. */
  private inNamespace(namespace: string, keep: (o: EventObject) => boolean): EventObjects {
    const kept = [...this.objects.values()].filter((o) => o.metadata.namespace === namespace && keep(o));
    return {
      triggers: byName(kept.filter((o): o is Trigger => o.kind === 'Trigger')).map((o) => structuredClone(o)),
      pingSources: byName(kept.filter((o): o is PingSource => o.kind === 'PingSource')).map((o) => structuredClone(o)),
    };
  }

  private call(method: string): void {
    this.calls.push(method);
    this.onCall?.(method);
  }

  private nextRv(): string {
    return String(++this.rv);
  }

  private nextUid(): string {
    return `uid-${++this.uids}`;
  }


}

function statusOf(o: {metadata: {generation?: number}}, change: StatusChange): EventingStatus {
  const ready: Condition = {type: 'Ready', status: change.ready, ...(change.reason ? {reason: change.reason} : {}), ...(change.message ? {message: change.message} : {})};
  return {
    observedGeneration: change.observedGeneration ?? o.metadata.generation,
    conditions: [...(change.conditions ?? []), ready],
  };
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function objectKey(o: EventObject): string {
  return `${o.kind}/${key(o.metadata.namespace ?? '', o.metadata.name)}`;
}

function byName<T extends {metadata: {name: string}}>(items: T[]): T[] {
  return [...items].sort((a, b) => compareText(a.metadata.name, b.metadata.name));
}
