// Knative Serving through the Kubernetes API: server-side apply with field manager "fn", get/list,
// read-modify-write with the conflict retry, watch (never polling), delete. Implements the Knative
// port for both routing modes: a Service, or a Configuration plus a standalone Route of the same name.
import {FnError, functionNotFound, isFnError, STALE_OBJECT} from '../../core/errors.js';
import {condition, FIELD_MANAGER, REVISION_LABELS, SERVING_API_VERSION, type Condition, type KnativeConfiguration, type KnativeRevision, type KnativeRoute, type KnativeService, type TrafficTarget} from '../../core/knative.js';
import {withConfigurationName, type FunctionManifests, type TemplateFields} from '../../core/manifests.js';
import type {DecideChange, DeployedFunction, FunctionChange, FunctionRef, Knative, RevisionInfo, RevisionWatchResult, UpdateOptions, UpdateResult, WatchOptions, WatchResult} from '../../core/ports.js';
import {apiErrorToFnError} from './api-errors.js';
import {KubeApiError} from './kube-api-error.js';
import type {KubeHttp, WatchEvent} from './kube-http.js';
import {extractApplied, extractSetByOthers, fieldOwners, type ManagedFieldsEntry} from './managed-fields.js';
import {compareText} from '../../core/text-order.js';

const GROUP = 'serving.knative.dev';
const BASE = `/apis/${SERVING_API_VERSION}`;
type Plural = 'services' | 'configurations' | 'routes' | 'revisions';
type Live = (KnativeService | KnativeConfiguration | KnativeRoute) & {metadata: {managedFields?: ManagedFieldsEntry[]}};
interface ObjectList<T> {
  items: T[];
  metadata: {continue?: string; resourceVersion?: string};
}

/** The objects of one function as read: a Service, or a standalone Configuration and Route. */
type LiveFunction = {routing: 'service'; service: KnativeService} | {routing: 'route'; configuration?: KnativeConfiguration; route?: KnativeRoute};

const REVISION_PAGE = 500;
/** Reads and writes per update before giving up on a object that keeps changing (kn uses 5 too). */
export const UPDATE_ATTEMPTS = 5;

function path(plural: Plural, namespace?: string, name?: string): string {
  return `${BASE}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

function observed(o: {metadata: {generation?: number}; status?: {observedGeneration?: number}} | undefined): boolean {
  return !o || (o.status?.observedGeneration !== undefined && o.status.observedGeneration === o.metadata.generation);
}

/** A standalone Route's latestRevision entries carry configurationName: hide it from the core. */
function withoutConfigurationName(traffic: TrafficTarget[] | undefined): TrafficTarget[] {
  return (traffic ?? []).map(({configurationName: _c, ...t}) => t);
}

/** What other field managers set on a template holder's spec.template (kn's --concurrency-limit…). */
function templateSetByOthers(holder: KnativeService | KnativeConfiguration | undefined): TemplateFields | undefined {
  const set = holder && (extractSetByOthers(holder as Live, FIELD_MANAGER) as {spec?: {template?: TemplateFields}} | undefined);
  const template = set?.spec?.template;
  return template && Object.keys(template).length ? template : undefined;
}

/** Who owns spec.traffic (absent when the object carries no field ownership, e.g. a hand-made test object). */
function trafficOwners(holder: KnativeService | KnativeRoute | undefined): {trafficOwners?: string[]} {
  const managed = (holder as Live | undefined)?.metadata.managedFields;
  return managed ? {trafficOwners: fieldOwners(holder as Live, ['spec', 'traffic'])} : {};
}

export function fromService(service: KnativeService): DeployedFunction {
  const setByOthers = templateSetByOthers(service);
  const fn: DeployedFunction = {
    name: service.metadata.name,
    namespace: service.metadata.namespace ?? '',
    routing: 'service',
    ...(service.metadata.uid ? {uid: service.metadata.uid} : {}),
    resourceVersion: service.metadata.resourceVersion ?? '',
    observed: observed(service),
    template: service.spec?.template,
    traffic: service.spec?.traffic ?? [],
    statusTraffic: service.status?.traffic ?? [],
    url: service.status?.url,
    latestCreatedRevisionName: service.status?.latestCreatedRevisionName,
    latestReadyRevisionName: service.status?.latestReadyRevisionName,
    conditions: service.status?.conditions ?? [],
    labels: service.metadata.labels ?? {},
    annotations: service.metadata.annotations ?? {},
    createdAt: service.metadata.creationTimestamp,
    ...trafficOwners(service),
    ...(setByOthers ? {templateSetByOthers: setByOthers} : {}),
  };
  return fn;
}

function combinedReady(parts: Condition[]): Condition {
  const failed = parts.find((c) => c.status === 'False');
  if (failed) return {...failed, type: 'Ready'};
  const pending = parts.find((c) => c.status !== 'True');
  if (pending) return {...pending, type: 'Ready'};
  return {type: 'Ready', status: 'True'};
}

/** Route mode: one function from its Configuration and Route, with Service-like conditions. */
export function fromRoute(configuration: KnativeConfiguration | undefined, route: KnativeRoute | undefined): DeployedFunction {
  const meta = (route ?? configuration)!.metadata;
  const unknown = (type: string): Condition => ({type, status: 'Unknown', reason: 'Missing', message: `the ${type === 'ConfigurationsReady' ? 'Configuration' : 'Route'} does not exist`});
  const configReady = configuration ? {...(condition(configuration.status?.conditions, 'Ready') ?? {status: 'Unknown' as const}), type: 'ConfigurationsReady'} : unknown('ConfigurationsReady');
  const routeReady = route ? {...(condition(route.status?.conditions, 'Ready') ?? {status: 'Unknown' as const}), type: 'RoutesReady'} : unknown('RoutesReady');
  const setByOthers = templateSetByOthers(configuration);
  const fn: DeployedFunction = {
    name: meta.name,
    namespace: meta.namespace ?? '',
    routing: 'route',
    ...(route?.metadata.uid ? {uid: route.metadata.uid} : {}),
    resourceVersion: route?.metadata.resourceVersion ?? '',
    observed: observed(configuration) && observed(route),
    template: configuration?.spec?.template,
    traffic: withoutConfigurationName(route?.spec?.traffic),
    statusTraffic: route?.status?.traffic ?? [],
    url: route?.status?.url,
    latestCreatedRevisionName: configuration?.status?.latestCreatedRevisionName,
    latestReadyRevisionName: configuration?.status?.latestReadyRevisionName,
    conditions: [configReady as Condition, routeReady as Condition, combinedReady([configReady as Condition, routeReady as Condition])],
    labels: (configuration ?? route)!.metadata.labels ?? {},
    annotations: route?.metadata.annotations ?? {},
    createdAt: (configuration ?? route)!.metadata.creationTimestamp,
    ...trafficOwners(route),
    ...(setByOthers ? {templateSetByOthers: setByOthers} : {}),
  };
  return fn;
}

function toDeployed(live: LiveFunction): DeployedFunction {
  return live.routing === 'service' ? fromService(live.service) : fromRoute(live.configuration, live.route);
}

export function toRevisionInfo(revision: KnativeRevision): RevisionInfo {
  const ready = condition(revision.status?.conditions, 'Ready');
  const generation = Number(revision.metadata.labels?.[REVISION_LABELS.generation]);
  return {
    name: revision.metadata.name,
    ...(Number.isFinite(generation) && generation > 0 ? {generation} : {}),
    createdAt: revision.metadata.creationTimestamp,
    image: revision.spec?.containers?.[0]?.image,
    ready: ready?.status ?? 'Unknown',
    ...(ready?.reason ? {reason: ready.reason} : {}),
    ...(ready?.message ? {message: ready.message} : {}),
  };
}

/** Newest first: creation time, then generation, then name. */
export function newestFirst(a: RevisionInfo, b: RevisionInfo): number {
  return compareText(b.createdAt ?? '', a.createdAt ?? '') || (b.generation ?? 0) - (a.generation ?? 0) || compareText(b.name, a.name);
}

/**
 * An apply that keeps spec.traffic as it is live: re-sent unchanged where fn owns it (server-side
 * apply would remove a field its manager leaves out), left out where only others do (not claimed).
 */
function keepingTraffic(change: Extract<FunctionChange, {kind: 'apply'}>, current: DeployedFunction | undefined): FunctionManifests {
  const {manifests} = change;
  if (!change.keepTraffic || !current) return manifests;
  const fnOwns = (current.trafficOwners ?? []).includes(FIELD_MANAGER);
  const traffic = fnOwns ? (current.routing === 'route' ? withConfigurationName(current.name, current.traffic) : current.traffic) : undefined;
  if (manifests.routing === 'service') {
    const {traffic: _t, ...spec} = manifests.service.spec;
    return {...manifests, service: {...manifests.service, spec: traffic ? {...spec, traffic} : spec}};
  }
  return {...manifests, route: {...manifests.route, spec: traffic ? {traffic} : {}}};
}

function ownedByService(route: KnativeRoute | KnativeConfiguration): boolean {
  return Boolean(route.metadata.ownerReferences?.some((o) => o.kind === 'Service' && o.apiVersion.startsWith(`${GROUP}/`)));
}

export class KnativeCluster implements Knative {
  constructor(readonly kube: KubeHttp) {}

  private async call<T>(verb: string, plural: Plural, namespace: string | undefined, name: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw apiErrorToFnError(e, {verb, resource: `${plural}.${GROUP}`, namespace, name, context: this.kube.contextName});
    }
  }

  /** GET one object; undefined when it does not exist. */
  private async read<T>(plural: Plural, namespace: string, name: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.kube.request<T>('GET', path(plural, namespace, name), {signal});
    } catch (e) {
      if (signal?.aborted) throw e;
      if (e instanceof KubeApiError && e.statusCode === 404 && e.status.details?.name) return undefined;
      throw apiErrorToFnError(e, {verb: 'get', resource: `${plural}.${GROUP}`, namespace, name, context: this.kube.contextName});
    }
  }

  private async listAll<T>(plural: Plural, namespace: string | undefined, query: Record<string, string | number> = {}): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined;
    do {
      const page = await this.call('list', plural, namespace, undefined, () =>
        this.kube.request<ObjectList<T>>('GET', path(plural, namespace), {query: {limit: REVISION_PAGE, ...query, ...(next ? {continue: next} : {})}}),
      );
      items.push(...page.items);
      next = page.metadata.continue || undefined;
    } while (next);
    return items;
  }

  private applyObject<T>(plural: Plural, object: Live | Record<string, unknown>, namespace: string, name: string, options: {force?: boolean; dryRun?: boolean}): Promise<T> {
    return this.call('patch', plural, namespace, name, () =>
      this.kube.request<T>('PATCH', path(plural, namespace, name), {
        query: {fieldManager: FIELD_MANAGER, force: options.force || undefined, dryRun: options.dryRun ? 'All' : undefined},
        body: object,
        contentType: 'application/apply-patch+yaml',
      }),
    );
  }

  // ---- read ------------------------------------------------------------------------------------------

  /** The function's objects; undefined when it does not exist. */
  private async readLive(ref: FunctionRef): Promise<LiveFunction | undefined> {
    if (ref.routing !== 'route') {
      const service = await this.read<KnativeService>('services', ref.namespace, ref.name);
      if (service) return {routing: 'service', service};
      if (ref.routing === 'service') return undefined;
    }
    const [configuration, route] = await Promise.all([
      this.read<KnativeConfiguration>('configurations', ref.namespace, ref.name),
      this.read<KnativeRoute>('routes', ref.namespace, ref.name),
    ]);
    // A Service's own Configuration and Route are not a route-mode function.
    const own = (o: KnativeConfiguration | KnativeRoute | undefined) => (o && !ownedByService(o) ? o : undefined);
    const live = {routing: 'route' as const, configuration: own(configuration) as KnativeConfiguration | undefined, route: own(route) as KnativeRoute | undefined};
    return live.configuration || live.route ? live : undefined;
  }

  async get(ref: FunctionRef): Promise<DeployedFunction | undefined> {
    const live = await this.readLive(ref);
    return live && toDeployed(live);
  }

  async list(namespace: string | undefined): Promise<DeployedFunction[]> {
    const [services, routes] = await Promise.all([
      this.listAll<KnativeService>('services', namespace),
      this.listAll<KnativeRoute>('routes', namespace),
    ]);
    const standalone = routes.filter((r) => !ownedByService(r));
    const configurations = standalone.length ? await this.listAll<KnativeConfiguration>('configurations', namespace) : [];
    const key = (m: {namespace?: string; name: string}) => `${m.namespace}/${m.name}`;
    const configByKey = new Map(configurations.map((c) => [key(c.metadata), c]));
    return [...services.map(fromService), ...standalone.map((r) => fromRoute(configByKey.get(key(r.metadata)), r))].sort(
      (a, b) => compareText(a.namespace, b.namespace) || compareText(a.name, b.name),
    );
  }

  async revisions(ref: FunctionRef, options: {cached?: boolean} = {}): Promise<RevisionInfo[]> {
    const items = await this.listAll<KnativeRevision>('revisions', ref.namespace, {
      labelSelector: `${REVISION_LABELS.configuration}=${ref.name}`,
      // resourceVersion 0: from the watch cache instead of a quorum read of etcd.
      ...(options.cached ? {resourceVersion: '0'} : {}),
    });
    return items.map(toRevisionInfo).sort(newestFirst);
  }

  async revision(namespace: string, name: string): Promise<RevisionInfo | undefined> {
    const revision = await this.read<KnativeRevision>('revisions', namespace, name);
    return revision && toRevisionInfo(revision);
  }

  // ---- update: read → decide → guarded write, again on a conflict ------------------------------------

  async update(ref: FunctionRef, decide: DecideChange, options: UpdateOptions = {}): Promise<UpdateResult> {
    for (let attempt = 1; ; attempt++) {
      const live = await this.readLive(ref);
      const current = live && toDeployed(live);
      const change = await decide(current, attempt);
      if (!change) return {fn: current, written: false};
      try {
        return {fn: await this.write(ref, live, current, change, options), written: true};
      } catch (e) {
        if (isFnError(e) && e.code === STALE_OBJECT && attempt < UPDATE_ATTEMPTS) continue;
        throw e;
      }
    }
  }

  private write(ref: FunctionRef, live: LiveFunction | undefined, current: DeployedFunction | undefined, change: FunctionChange, options: UpdateOptions): Promise<DeployedFunction> {
    if (change.kind === 'apply') return this.apply(keepingTraffic(change, current), {...options, resourceVersion: current?.resourceVersion});
    if (!live || !current) throw functionNotFound(ref);
    return this.writeTraffic(live, current, change.traffic, change.annotations ?? {}, options.dryRun);
  }

  /** One apply of spec.traffic (and annotations), re-sending what fn applied before so nothing else changes. */
  private async writeTraffic(live: LiveFunction, fn: DeployedFunction, traffic: TrafficTarget[], annotationChanges: Record<string, string | null>, dryRun?: boolean): Promise<DeployedFunction> {
    const holder = (live.routing === 'service' ? live.service : live.route) as Live | undefined;
    if (!holder) throw new FnError('NOT_FOUND', 'notFound', `${fn.name} has no Route in namespace "${fn.namespace}"`, {suggestion: `fn deploy ${fn.name} creates it again`});
    const applied = (extractApplied(holder, FIELD_MANAGER) ?? {}) as {metadata?: {annotations?: Record<string, string>}; spec?: Record<string, unknown>};
    // null removes an annotation fn set; fn rollout keeps its state this way, in the same write as the traffic.
    const annotations = {...applied.metadata?.annotations};
    for (const [key, value] of Object.entries(annotationChanges)) {
      if (value === null) delete annotations[key];
      else annotations[key] = value;
    }
    const body = {
      ...applied,
      apiVersion: SERVING_API_VERSION,
      kind: holder.kind,
      metadata: {
        ...applied.metadata,
        ...(Object.keys(annotations).length ? {annotations} : {annotations: undefined}),
        name: fn.name,
        namespace: fn.namespace,
        resourceVersion: fn.resourceVersion,
      },
      spec: {...applied.spec, traffic: fn.routing === 'route' ? withConfigurationName(fn.name, traffic) : traffic},
    };
    // force: setting traffic is what the user asked for, even if another tool set it last.
    const result = await this.applyObject<Live>(fn.routing === 'service' ? 'services' : 'routes', body, fn.namespace, fn.name, {force: true, dryRun});
    return live.routing === 'service' ? fromService(result as KnativeService) : fromRoute(live.configuration, result as KnativeRoute);
  }

  // ---- watch ------------------------------------------------------------------------------------------------

  async watchUntil(from: DeployedFunction, done: (fn: DeployedFunction) => boolean, options: WatchOptions): Promise<WatchResult> {
    if (done(from)) return {fn: from, timedOut: false};
    const ref = {name: from.name, namespace: from.namespace, routing: from.routing};
    // A Service's events carry all there is to know, so its watch starts from `from`; route mode needs
    // both objects to build the function from an event of either, so it reads them first.
    let live: LiveFunction | undefined;
    if (from.routing === 'service') {
      live = {routing: 'service', service: {metadata: {name: from.name, namespace: from.namespace, resourceVersion: from.resourceVersion}} as KnativeService};
    } else {
      live = await this.readLive(ref);
      if (!live) throw functionNotFound(ref);
      if (done(toDeployed(live))) return {fn: toDeployed(live), timedOut: false};
    }
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), options.timeoutSeconds * 1000);
    const onExternalAbort = () => stop.abort();
    options.signal?.addEventListener('abort', onExternalAbort, {once: true});
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let current = from;
    let finished = false;
    const update = (next: LiveFunction): boolean => {
      live = next;
      current = toDeployed(next);
      options.onUpdate?.(current);
      if (done(current)) {
        finished = true;
        stop.abort();
      }
      return finished;
    };
    try {
      const start = live;
      const watches =
        start.routing === 'service'
          ? [this.follow<KnativeService>('services', start.service, (o) => update({routing: 'service', service: o}), stop.signal, deadline)]
          : [
              ...(start.configuration ? [this.follow<KnativeConfiguration>('configurations', start.configuration, (o) => update({...(live as typeof start), configuration: o}), stop.signal, deadline)] : []),
              ...(start.route ? [this.follow<KnativeRoute>('routes', start.route, (o) => update({...(live as typeof start), route: o}), stop.signal, deadline)] : []),
            ];
      await Promise.all(watches);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onExternalAbort);
    }
    if (!finished && options.signal?.aborted) throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
    return {fn: current, timedOut: !finished};
  }

  async watchRevisionUntil(namespace: string, name: string, done: (revision: RevisionInfo | undefined) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<RevisionWatchResult> {
    const start = await this.read<KnativeRevision>('revisions', namespace, name);
    let revision = start && toRevisionInfo(start);
    if (done(revision)) return {revision, timedOut: false};
    const ms = options.timeoutSeconds * 1000;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), ms);
    const onExternalAbort = () => stop.abort();
    options.signal?.addEventListener('abort', onExternalAbort, {once: true});
    if (options.signal?.aborted) stop.abort();
    let finished = false;
    try {
      // Not there yet: a watch from no resourceVersion starts with the object if it appeared since the read.
      const from = start ?? ({metadata: {name, namespace}} as KnativeRevision);
      await this.follow<KnativeRevision>('revisions', from, (o) => {
        revision = toRevisionInfo(o);
        return (finished = done(revision));
      }, stop.signal, Date.now() + ms);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onExternalAbort);
    }
    if (!finished && options.signal?.aborted) throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
    return {revision, timedOut: !finished};
  }

  /**
   * Watch one object from its resourceVersion until onObject returns true or the signal aborts. A
   * stream the server ends is resumed from the last version; an expired version (410) is re-read.
   */
  private async follow<T extends {metadata: {name: string; namespace?: string; resourceVersion?: string}}>(
    plural: Plural,
    start: T,
    onObject: (object: T) => boolean,
    signal: AbortSignal,
    deadline: number,
  ): Promise<void> {
    const {name, namespace = ''} = start.metadata;
    const deleted = () => new FnError('DELETED_WHILE_WAITING', 'notFound', `${name} was deleted while fn was waiting for it`, {suggestion: 'deploy it again'});
    let version = start.metadata.resourceVersion;
    while (!signal.aborted) {
      const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
      const outcome = await this.call('watch', plural, namespace, name, () =>
        this.kube.watch<T>(
          path(plural, namespace),
          {fieldSelector: `metadata.name=${name}`, resourceVersion: version, timeoutSeconds: remaining},
          (event: WatchEvent<T>) => {
            version = event.object.metadata.resourceVersion ?? version;
            if (event.type === 'BOOKMARK') return false;
            if (event.type === 'DELETED') throw deleted();
            return onObject(event.object);
          },
          signal,
        ),
      );
      if (outcome === 'done') return;
      if (outcome === 'expired') {
        // The version is too old to resume from: read the object as it is now, then watch from there.
        let fresh: T | undefined;
        try {
          fresh = await this.read<T>(plural, namespace, name, signal);
        } catch (e) {
          if (signal.aborted) return;
          throw e;
        }
        if (!fresh) throw deleted();
        version = fresh.metadata.resourceVersion;
        if (onObject(fresh)) return;
      }
    }
  }

  // ---- apply and delete ----------------------------------------------------------------------------------

  /** Server-side apply; guarded by resourceVersion (of the traffic-holding object) when one is given. */
  private async apply(manifests: FunctionManifests, options: UpdateOptions & {resourceVersion?: string}): Promise<DeployedFunction> {
    const namespace = manifests.namespace;
    if (!namespace) throw new FnError('NO_NAMESPACE', 'unexpected', 'manifests to apply need a namespace');
    const withVersion = <T extends {metadata: object}>(o: T, version?: string): T =>
      ({...o, metadata: {...o.metadata, namespace, ...(version ? {resourceVersion: version} : {})}}) as T;
    if (manifests.routing === 'service') {
      const service = await this.applyObject<KnativeService>('services', withVersion(manifests.service, options.resourceVersion), namespace, manifests.name, options);
      return fromService(service);
    }
    const configuration = withVersion(manifests.configuration);
    const route = withVersion(manifests.route, options.resourceVersion);
    if (!options.dryRun) {
      // Two objects: validate both (webhooks included) before changing either.
      await Promise.all([
        this.applyObject('configurations', configuration, namespace, manifests.name, {...options, dryRun: true}),
        this.applyObject('routes', route, namespace, manifests.name, {...options, dryRun: true}),
      ]);
    }
    const appliedConfiguration = await this.applyObject<KnativeConfiguration>('configurations', configuration, namespace, manifests.name, options);
    const appliedRoute = await this.applyObject<KnativeRoute>('routes', route, namespace, manifests.name, options);
    return fromRoute(appliedConfiguration, appliedRoute);
  }

  async delete(ref: FunctionRef, options: {wait?: boolean; timeoutSeconds?: number} = {}): Promise<void> {
    const routing = ref.routing ?? (await this.get(ref))?.routing;
    const targets: Plural[] = routing === 'route' ? ['routes', 'configurations'] : ['services'];
    type Meta = {metadata: {name: string; namespace?: string; resourceVersion?: string}};
    let deleted = 0;
    const finalizing: Array<{plural: Plural; object: Meta}> = [];
    for (const plural of targets) {
      try {
        // The answer is the object while finalizers still run, or a Status once it is gone. Waiting:
        // Foreground, so the object goes only after what it owns (Configuration, Route, Revisions).
        const answer = await this.kube.request<Meta & {kind?: string}>('DELETE', path(plural, ref.namespace, ref.name), {
          body: {propagationPolicy: options.wait ? 'Foreground' : 'Background'},
        });
        deleted += 1;
        if (answer?.kind && answer.kind !== 'Status') finalizing.push({plural, object: answer});
      } catch (e) {
        if (e instanceof KubeApiError && e.statusCode === 404 && e.status.details?.name) continue;
        throw apiErrorToFnError(e, {verb: 'delete', resource: `${plural}.${GROUP}`, namespace: ref.namespace, name: ref.name, context: this.kube.contextName});
      }
    }
    if (deleted === 0) throw functionNotFound(ref);
    if (options.wait) await Promise.all(finalizing.map((f) => this.untilGone(f.plural, f.object, options.timeoutSeconds ?? 60)));
  }

  /** Watch an object that is being deleted until it is gone. */
  private async untilGone(plural: Plural, object: {metadata: {name: string; namespace?: string; resourceVersion?: string}}, timeoutSeconds: number): Promise<void> {
    const {name, namespace = ''} = object.metadata;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeoutSeconds * 1000);
    try {
      let version = object.metadata.resourceVersion;
      while (!stop.signal.aborted) {
        let gone = false;
        const outcome = await this.call('watch', plural, namespace, name, () =>
          this.kube.watch<{metadata: {resourceVersion?: string}}>(
            path(plural, namespace),
            {fieldSelector: `metadata.name=${name}`, resourceVersion: version, timeoutSeconds},
            (event) => {
              if (event.type === 'DELETED') return (gone = true);
              version = event.object.metadata.resourceVersion ?? version;
              return false;
            },
            stop.signal,
          ),
        );
        if (gone) return;
        if (outcome === 'expired' || outcome === 'ended') {
          // An expired version or a closed stream: it may be gone already.
          // (Aborted by the timeout: the loop ends and says so.)
          const still = await this.read<{metadata: {resourceVersion?: string}}>(plural, namespace, name, stop.signal).catch((e) => {
            if (stop.signal.aborted) return {metadata: {resourceVersion: version}};
            throw e;
          });
          if (!still) return;
          version = still.metadata.resourceVersion;
        }
      }
      throw new FnError('DELETE_TIMEOUT', 'timeout', `${name} was still being deleted after ${timeoutSeconds}s (Knative's finalizers have not finished)`, {
        suggestion: `check it with: fn describe ${name} -n ${namespace}`,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async namespaceExists(namespace: string): Promise<boolean | undefined> {
    try {
      await this.kube.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.statusCode === 404) return false;
      if (e instanceof KubeApiError && e.statusCode === 403) return undefined;
      throw apiErrorToFnError(e, {verb: 'get', resource: 'namespaces', name: namespace, context: this.kube.contextName});
    }
  }

  async deleteRevision(namespace: string, name: string): Promise<void> {
    await this.call('delete', 'revisions', namespace, name, () => this.kube.request('DELETE', path('revisions', namespace, name)));
  }
}
