// Knative Eventing through the Kubernetes API: a function's Triggers and PingSources (found by fn's
// labels), server-side applied as field manager "fn" and owned by the function's Service or Route;
// Brokers read and created; watches instead of polling. Implements the Eventing port.
import {FnError} from '../../core/errors.js';
import {EVENTING_API_VERSION, SOURCES_API_VERSION, type Broker, type EventObjects, type PingSource, type Trigger} from '../../core/eventing.js';
import {eventSelector} from '../../core/event-manifests.js';
import {FIELD_MANAGER} from '../../core/knative.js';
import type {EventWatchResult, Eventing, OwnerReference, WatchOptions} from '../../core/ports.js';
import {apiErrorToFnError} from './api-errors.js';
import {KubeApiError} from './kube-api-error.js';
import type {KubeHttp, WatchEvent} from './kube-http.js';
import {compareText} from '../../core/text-order.js';

type Kind = 'triggers' | 'brokers' | 'pingsources';
const API: Record<Kind, string> = {triggers: EVENTING_API_VERSION, brokers: EVENTING_API_VERSION, pingsources: SOURCES_API_VERSION};
type Named = {metadata: {name: string; namespace?: string; resourceVersion?: string}};
interface ObjectList<T> {
  items: T[];
  metadata: {continue?: string; resourceVersion?: string};
}

function path(kind: Kind, namespace?: string, name?: string): string {
  return `/apis/${API[kind]}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${kind}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** A 404 for the resource itself (no such kind: the CRDs are not installed), not for one object or namespace. */
function kindMissing(e: unknown): boolean {
  return e instanceof KubeApiError && e.statusCode === 404 && !e.status.details?.name && !e.status.details?.kind;
}

export function eventingNotInstalled(kind: Kind, context: string): FnError {
  const group = API[kind].split('/')[0];
  return new FnError('EVENTING_NOT_INSTALLED', 'notFound', `the cluster of context "${context}" has no ${kind}.${group}: Knative Eventing is not installed there`, {
    suggestion: 'install Knative Eventing (https://knative.dev/docs/install/), or remove subscriptions and schedules from fn.yaml',
    details: {resource: `${kind}.${group}`},
  });
}

export class KnativeEventing implements Eventing {
  constructor(readonly kube: KubeHttp) {}

  private async call<T>(verb: string, kind: Kind, namespace: string | undefined, name: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (kindMissing(e)) throw eventingNotInstalled(kind, this.kube.contextName);
      throw apiErrorToFnError(e, {verb, resource: `${kind}.${API[kind].split('/')[0]}`, namespace, name, context: this.kube.contextName});
    }
  }

  private async list<T>(kind: Kind, namespace: string | undefined, query: Record<string, string> = {}): Promise<{items: T[]; resourceVersion?: string}> {
    const items: T[] = [];
    let next: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.call('list', kind, namespace, undefined, () =>
        this.kube.request<ObjectList<T>>('GET', path(kind, namespace), {query: {limit: 500, ...query, ...(next ? {continue: next} : {})}}),
      );
      items.push(...page.items);
      resourceVersion = page.metadata.resourceVersion;
      next = page.metadata.continue || undefined;
    } while (next);
    return {items, resourceVersion};
  }

  async objectsOf(namespace: string, functionName: string): Promise<EventObjects> {
    return this.objects(namespace, {labelSelector: eventSelector(functionName)});
  }

  async objectsIn(namespace: string): Promise<EventObjects> {
    return this.objects(namespace, {});
  }

  private async objects(namespace: string, query: Record<string, string>): Promise<EventObjects> {
    const none = (e: unknown) => {
      if (e instanceof FnError && e.code === 'EVENTING_NOT_INSTALLED') return {items: []};
      throw e;
    };
    const [triggers, pingSources] = await Promise.all([
      this.list<Trigger>('triggers', namespace, query).catch(none),
      this.list<PingSource>('pingsources', namespace, query).catch(none),
    ]);
    return {triggers: byName(triggers.items as Trigger[]), pingSources: byName(pingSources.items as PingSource[])};
  }

  async brokers(namespace: string | undefined): Promise<Broker[]> {
    return byName((await this.list<Broker>('brokers', namespace)).items);
  }

  async broker(namespace: string, name: string): Promise<Broker | undefined> {
    try {
      return await this.kube.request<Broker>('GET', path('brokers', namespace, name));
    } catch (e) {
      if (e instanceof KubeApiError && e.statusCode === 404 && e.status.details?.name === name) return undefined;
      if (kindMissing(e)) throw eventingNotInstalled('brokers', this.kube.contextName);
      throw apiErrorToFnError(e, {verb: 'get', resource: 'brokers.eventing.knative.dev', namespace, name, context: this.kube.contextName});
    }
  }

  async createBroker(broker: Broker): Promise<Broker> {
    const namespace = broker.metadata.namespace ?? '';
    return this.call('create', 'brokers', namespace, broker.metadata.name, () => this.kube.request<Broker>('POST', path('brokers', namespace), {query: {fieldManager: FIELD_MANAGER}, body: broker}));
  }

  private applyOne<T extends Named>(kind: Kind, object: T, owner: OwnerReference | undefined, dryRun: boolean | undefined): Promise<T> {
    const {name, namespace = ''} = object.metadata;
    const body = owner ? {...object, metadata: {...object.metadata, ownerReferences: [{...owner, controller: false}]}} : object;
    return this.call('patch', kind, namespace, name, () =>
      this.kube.request<T>('PATCH', path(kind, namespace, name), {
        // force: these objects are fn's (named and labelled for the function); fn.yaml is their source.
        query: {fieldManager: FIELD_MANAGER, force: true, dryRun: dryRun ? 'All' : undefined},
        body,
        contentType: 'application/apply-patch+yaml',
      }),
    );
  }

  async apply(objects: EventObjects, options: {owner?: OwnerReference; dryRun?: boolean}): Promise<EventObjects> {
    const [triggers, pingSources] = await Promise.all([
      Promise.all(objects.triggers.map((t) => this.applyOne('triggers', t, options.owner, options.dryRun))),
      Promise.all(objects.pingSources.map((p) => this.applyOne('pingsources', p, options.owner, options.dryRun))),
    ]);
    return {triggers, pingSources};
  }

  async delete(objects: EventObjects): Promise<void> {
    const remove = (kind: Kind, o: Named) =>
      this.kube.request('DELETE', path(kind, o.metadata.namespace, o.metadata.name)).catch((e) => {
        if (e instanceof KubeApiError && e.statusCode === 404) return undefined;
        throw apiErrorToFnError(e, {verb: 'delete', resource: `${kind}.${API[kind].split('/')[0]}`, namespace: o.metadata.namespace, name: o.metadata.name, context: this.kube.contextName});
      });
    await Promise.all([...objects.triggers.map((t) => remove('triggers', t)), ...objects.pingSources.map((p) => remove('pingsources', p))]);
  }

  async watchUntil(namespace: string, functionName: string, done: (objects: EventObjects) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<EventWatchResult> {
    const selector = eventSelector(functionName);
    const [triggers, pingSources] = await Promise.all([
      this.list<Trigger>('triggers', namespace, {labelSelector: selector}),
      this.list<PingSource>('pingsources', namespace, {labelSelector: selector}),
    ]);
    const state = {triggers: new Map(triggers.items.map((t) => [t.metadata.name, t])), pingSources: new Map(pingSources.items.map((p) => [p.metadata.name, p]))};
    const current = (): EventObjects => ({triggers: byName([...state.triggers.values()]), pingSources: byName([...state.pingSources.values()])});
    if (done(current())) return {objects: current(), timedOut: false};
    let finished = false;
    const result = await this.bounded(options, async (signal, deadline) => {
      // Both watches end once either sees the objects done.
      const both = new AbortController();
      signal.addEventListener('abort', () => both.abort(), {once: true});
      const check = () => {
        finished = done(current());
        if (finished) both.abort();
        return finished;
      };
      await Promise.all([
        this.followCollection<Trigger>('triggers', namespace, selector, triggers.resourceVersion, state.triggers, check, both.signal, deadline),
        this.followCollection<PingSource>('pingsources', namespace, selector, pingSources.resourceVersion, state.pingSources, check, both.signal, deadline),
      ]);
    });
    if (!finished && result === 'interrupted') throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
    return {objects: current(), timedOut: !finished};
  }

  async watchBrokerUntil(namespace: string, name: string, done: (broker: Broker | undefined) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<{broker?: Broker; timedOut: boolean}> {
    const start = await this.call('list', 'brokers', namespace, name, () =>
      this.kube.request<ObjectList<Broker>>('GET', path('brokers', namespace), {query: {fieldSelector: `metadata.name=${name}`}}),
    );
    const state = new Map(start.items.map((b) => [b.metadata.name, b]));
    if (done(state.get(name))) return {broker: state.get(name), timedOut: false};
    let finished = false;
    const result = await this.bounded(options, (signal, deadline) =>
      this.followCollection<Broker>('brokers', namespace, undefined, start.metadata.resourceVersion, state, () => (finished = done(state.get(name))), signal, deadline, `metadata.name=${name}`),
    );
    if (!finished && result === 'interrupted') throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
    return {broker: state.get(name), timedOut: !finished};
  }

  /** Runs `watch` until it returns, the timeout passes or the caller's signal aborts. */
  private async bounded(options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>, watch: (signal: AbortSignal, deadline: number) => Promise<void>): Promise<'returned' | 'timeout' | 'interrupted'> {
    const stop = new AbortController();
    let why: 'timeout' | 'interrupted' | undefined;
    const timer = setTimeout(() => ((why ??= 'timeout'), stop.abort()), options.timeoutSeconds * 1000);
    const onAbort = () => ((why ??= 'interrupted'), stop.abort());
    options.signal?.addEventListener('abort', onAbort, {once: true});
    if (options.signal?.aborted) onAbort();
    try {
      await watch(stop.signal, Date.now() + options.timeoutSeconds * 1000);
      return why ?? 'returned';
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Keeps `state` (name → object) in step with a watch of a collection from `version` until `check`
   * returns true or the signal aborts; a stream the server ends is resumed, an expired version re-listed.
   */
  private async followCollection<T extends Named>(
    kind: Kind,
    namespace: string,
    labelSelector: string | undefined,
    version: string | undefined,
    state: Map<string, T>,
    check: () => boolean,
    signal: AbortSignal,
    deadline: number,
    fieldSelector?: string,
  ): Promise<void> {
    const selectors = {...(labelSelector ? {labelSelector} : {}), ...(fieldSelector ? {fieldSelector} : {})};
    while (!signal.aborted) {
      const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
      const outcome = await this.call('watch', kind, namespace, undefined, () =>
        this.kube.watch<T>(path(kind, namespace), {...selectors, resourceVersion: version, timeoutSeconds: remaining}, (event: WatchEvent<T>) => {
          version = event.object.metadata.resourceVersion ?? version;
          if (event.type === 'BOOKMARK') return false;
          if (event.type === 'DELETED') state.delete(event.object.metadata.name);
          else state.set(event.object.metadata.name, event.object);
          return check();
        }, signal),
      );
      if (outcome === 'done') return;
      if (outcome === 'expired') {
        const fresh = await this.list<T>(kind, namespace, selectors).catch((e) => {
          if (signal.aborted) return undefined;
          throw e;
        });
        if (!fresh) return;
        state.clear();
        for (const o of fresh.items) state.set(o.metadata.name, o);
        version = fresh.resourceVersion;
        if (check()) return;
      }
    }
  }
}

function byName<T extends Named>(items: T[]): T[] {
  return [...items].sort((a, b) => compareText(a.metadata.name, b.metadata.name));
}
