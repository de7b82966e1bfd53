// The Knative port in memory, behaving like Knative's Service controller where fn depends on it: every
// write and every status update bumps resourceVersion; a new template makes a new revision (named by
// the template, else <name>-0000N); status.traffic resolves @latest and publishes tag URLs once the
// controller has observed the spec; a write from a stale read is refused with STALE_OBJECT, and update
// reads again and decides again, as the real adapter does. Field ownership as server-side apply keeps
// it, for what fn depends on: otherTool() writes as another field manager would (kn, kubectl), taking
// spec.traffic or template fields; fn's apply then conflicts on a field it would change (FIELD_CONFLICT,
// unless forced), keeps template fields it does not send, and leaves spec.traffic alone with
// keepTraffic; an annotation fn applied before and leaves out of an apply is removed, and leaving out
// all of them drops the map (Knative's webhook then refuses the write). Watches see every change as it is made (and any made since the state they start from),
// bounded by real time. Service routing only.
import {FnError, functionNotFound, STALE_OBJECT} from '../../src/core/errors.js';
import type {Condition, RevisionTemplate, TrafficTarget} from '../../src/core/knative.js';
import type {TemplateFields} from '../../src/core/manifests.js';
import type {DecideChange, DeployedFunction, FunctionChange, FunctionRef, Knative, RevisionInfo, RevisionWatchResult, UpdateOptions, UpdateResult, WatchOptions, WatchResult} from '../../src/core/ports.js';
import {Changes} from './changes.js';

export const UPDATE_ATTEMPTS = 5;

interface StoredService {
  name: string;
  namespace: string;
  rv: number;
  generation: number;
  observedGeneration: number;
  template: RevisionTemplate;
  traffic: TrafficTarget[];
  annotations: Record<string, string>;
  /** The annotations fn's writes set (server-side apply: fn's managed fields). */
  fnAnnotations: string[];
  labels: Record<string, string>;
  /** Field managers owning spec.traffic. */
  trafficOwners: string[];
  /** Template fields other managers set (server-side apply keeps them when fn leaves them out). */
  templateByOthers: {manager: string; fields: TemplateFields}[];
  latestCreated?: string;
  latestReady?: string;
  /** Set by the controller when the latest revision failed. */
  failed?: Condition;
  /** Set by the controller when spec.traffic names a revision that does not exist. */
  routeFailed?: Condition;
  /** The last split the controller could route (status.traffic keeps it while the route fails). */
  routed?: TrafficTarget[];
}

export interface StoredRevision extends RevisionInfo {
  namespace: string;
  service: string;
  /** The template it was made from (without its name). */
  template?: string;
}

export function templateFor(image: string, name?: string): RevisionTemplate {
  return {metadata: name ? {name} : {}, spec: {containers: [{image}]}};
}

export class MemoryKnative implements Knative {
  readonly services = new Map<string, StoredService>();
  readonly revisionsByName = new Map<string, StoredRevision>();
  /** Readiness the controller gives the next revision it creates. */
  nextRevision: Pick<RevisionInfo, 'ready' | 'reason' | 'message'> = {ready: 'True'};
  /** The controller writes status between every read and the first write attempt after it (a busy controller). */
  statusRace = false;
  /** Runs between update's read and its write: another writer acting in between. */
  beforeWrite?: (attempt: number) => void | Promise<void>;
  /** Runs right after a write is stored, before the controller sees it: a writer right behind. */
  afterWrite?: () => void;
  /** Every write that got through, in order. */
  readonly writes: Array<{change: FunctionChange; dryRun: boolean}> = [];
  /** How many times update read the function. */
  reads = 0;
  /** Every call of the port, by method name: what would be an API request (a watch is one). */
  readonly calls: string[] = [];
  private clock = Date.parse('2025-01-01T00:00:00Z');
  private readonly changes = new Changes();
  /** Bumped on every change a watch would see. */

  /** A deployed function with one ready revision (as fn deploy leaves it). */
  seed(name: string, image: string, options: {namespace?: string; revisionName?: string; traffic?: TrafficTarget[]} = {}): void {
    const namespace = options.namespace ?? 'default';
    this.services.set(key(namespace, name), {
      name,
      namespace,
      rv: 1,
      generation: 1,
      observedGeneration: 0,
      template: templateFor(image, options.revisionName),
      traffic: options.traffic ?? [],
      annotations: {},
      fnAnnotations: [],
      labels: {'app.kubernetes.io/managed-by': 'fn'},
      trafficOwners: ['fn'],
      templateByOthers: [],
    });
    this.reconcile(this.services.get(key(namespace, name))!);
  }

  /**
   * Another field manager writes the Service (an update, as kn or kubectl edit do): it takes spec.traffic,
   * or the template fields it sets (merged into the template), and annotations.
   */
  otherTool(manager: string, change: {traffic?: TrafficTarget[]; template?: TemplateFields; annotations?: Record<string, string>}, name = 'hello', namespace = 'default'): void {
    const svc = this.service(namespace, name);
    if (change.traffic) {
      svc.traffic = structuredClone(change.traffic);
      svc.trafficOwners = [manager];
    }
    if (change.template) {
      svc.template = merge(svc.template, change.template) as RevisionTemplate;
      svc.templateByOthers.push({manager, fields: structuredClone(change.template)});
    }
    Object.assign(svc.annotations, change.annotations ?? {});
    svc.generation++;
    svc.rv++;
    this.changes.notify();
    setImmediate(() => this.reconcile(svc));
  }

  /** A revision created as `fn deploy --no-traffic` would (latest created; latest ready when ready). */
  addRevision(service: string, name: string, ready: RevisionInfo['ready'] = 'True', image = `registry.test/${name}@sha256:${'0'.repeat(64)}`, namespace = 'default'): void {
    const svc = this.service(namespace, service);
    this.revisionsByName.set(key(namespace, name), {name, namespace, service, ready, image, createdAt: this.tick(), generation: this.revisionsOf(namespace, service).length + 1});
    svc.template = templateFor(image, name);
    svc.latestCreated = name;
    if (ready === 'True') svc.latestReady = name;
    svc.rv++;
    this.changes.notify();
  }

  setRevision(name: string, change: Partial<Pick<RevisionInfo, 'ready' | 'reason' | 'message'>>, namespace = 'default'): void {
    Object.assign(this.revisionsByName.get(key(namespace, name))!, change);
    for (const svc of this.services.values()) if (svc.latestCreated === name) this.reconcile(svc, true);
    this.changes.notify();
  }

  service(namespace: string, name: string): StoredService {
    const svc = this.services.get(key(namespace, name));
    if (!svc) throw new Error(`test: no service ${namespace}/${name}`);
    return svc;
  }

  // ---- the port ----------------------------------------------------------------------------------------

  async get(ref: FunctionRef): Promise<DeployedFunction | undefined> {
    this.calls.push('get');
    return this.read(ref);
  }

  private read(ref: FunctionRef): DeployedFunction | undefined {
    if (ref.routing === 'route') return undefined;
    const svc = this.services.get(key(ref.namespace, ref.name));
    if (!svc) return undefined;
    // The controller catches up whenever someone looks (so a test clock never outruns it).
    if (svc.observedGeneration !== svc.generation) this.reconcile(svc);
    return this.view(svc);
  }

  async list(namespace: string | undefined): Promise<DeployedFunction[]> {
    this.calls.push('list');
    return [...this.services.values()].filter((s) => namespace === undefined || s.namespace === namespace).map((s) => this.view(s));
  }

  async revisions(ref: FunctionRef): Promise<RevisionInfo[]> {
    this.calls.push('revisions');
    return this.revisionsOf(ref.namespace, ref.name).map(info);
  }

  async revision(namespace: string, name: string): Promise<RevisionInfo | undefined> {
    this.calls.push('revision');
    return this.readRevision(namespace, name);
  }

  private readRevision(namespace: string, name: string): RevisionInfo | undefined {
    const revision = this.revisionsByName.get(key(namespace, name));
    return revision && info(revision);
  }

  async update(ref: FunctionRef, decide: DecideChange, options: UpdateOptions = {}): Promise<UpdateResult> {
    this.calls.push('update');
    for (let attempt = 1; ; attempt++) {
      this.reads++;
      const current = this.read(ref);
      const change = await decide(current, attempt);
      if (!change) return {fn: current, written: false};
      await this.beforeWrite?.(attempt);
      const stored = this.services.get(key(ref.namespace, ref.name));
      if (this.statusRace && attempt === 1 && stored) stored.rv++;
      try {
        return {fn: this.write(ref, current, change, options), written: true};
      } catch (e) {
        if (e instanceof FnError && e.code === STALE_OBJECT && attempt < UPDATE_ATTEMPTS) continue;
        throw e;
      }
    }
  }

  async watchUntil(from: DeployedFunction, done: (fn: DeployedFunction) => boolean, options: WatchOptions): Promise<WatchResult> {
    const ref = {name: from.name, namespace: from.namespace};
    let current = from;
    if (done(current)) return {fn: current, timedOut: false};
    this.calls.push('watchUntil');
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    for (;;) {
      const seen = this.changes.seen;
      const fresh = this.read(ref);
      if (!fresh) throw new FnError('DELETED_WHILE_WAITING', 'notFound', `${from.name} was deleted while fn was waiting for it`);
      // Like a watch from from.resourceVersion: a change made since `from` is delivered at once.
      if (fresh.resourceVersion !== current.resourceVersion) {
        current = fresh;
        options.onUpdate?.(current);
        if (done(current)) return {fn: current, timedOut: false};
      }
      const changed = await this.changes.next(seen, deadline - Date.now(), options.signal);
      if (options.signal?.aborted) throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
      if (!changed) return {fn: current, timedOut: true};
    }
  }

  async watchRevisionUntil(namespace: string, name: string, done: (revision: RevisionInfo | undefined) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<RevisionWatchResult> {
    this.calls.push('watchRevisionUntil');
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    for (;;) {
      const seen = this.changes.seen;
      const revision = this.readRevision(namespace, name);
      if (done(revision)) return {revision, timedOut: false};
      const changed = await this.changes.next(seen, deadline - Date.now(), options.signal);
      if (options.signal?.aborted) throw new FnError('INTERRUPTED', 'interrupted', 'interrupted while waiting');
      if (!changed) return {revision, timedOut: true};
    }
  }

  async delete(ref: FunctionRef): Promise<void> {
    this.calls.push('delete');
    if (!this.services.delete(key(ref.namespace, ref.name))) throw functionNotFound(ref);
    for (const [k, r] of this.revisionsByName) if (r.service === ref.name && r.namespace === ref.namespace) this.revisionsByName.delete(k);
    this.changes.notify();
  }

  /** Namespaces that exist: those given, and every one holding a function. */
  readonly namespaces = new Set<string>(['default']);

  async namespaceExists(namespace: string): Promise<boolean | undefined> {
    return this.namespaces.has(namespace) || (await this.list(namespace)).length > 0;
  }

  async deleteRevision(namespace: string, name: string): Promise<void> {
    this.calls.push('deleteRevision');
    this.revisionsByName.delete(key(namespace, name));
    this.changes.notify();
  }

  // ---- what the API server and the controller do ------------------------------------------------------------

  private write(ref: FunctionRef, current: DeployedFunction | undefined, change: FunctionChange, options: UpdateOptions): DeployedFunction {
    const dryRun = Boolean(options.dryRun);
    let svc = this.services.get(key(ref.namespace, ref.name));
    if (current && (!svc || String(svc.rv) !== current.resourceVersion)) {
      throw new FnError(STALE_OBJECT, 'conflict', `${ref.name} changed while fn was updating it (resourceVersion ${svc?.rv}, read ${current.resourceVersion})`);
    }
    if (change.kind === 'traffic' && !svc) throw functionNotFound(ref);
    const next: StoredService = svc
      ? structuredClone(svc)
      : {name: ref.name, namespace: ref.namespace, rv: 0, generation: 0, observedGeneration: 0, template: templateFor(''), traffic: [], annotations: {}, fnAnnotations: [], labels: {}, trafficOwners: [], templateByOthers: []};
    if (change.kind === 'traffic') {
      // fn's traffic writes are forced: they take spec.traffic.
      next.traffic = structuredClone(change.traffic);
      next.trafficOwners = ['fn'];
      // The adapter re-sends the annotations fn applied, with these changes.
      for (const [k, v] of Object.entries(change.annotations ?? {})) {
        if (v === null) delete next.annotations[k];
        else next.annotations[k] = v;
        next.fnAnnotations = v === null ? next.fnAnnotations.filter((a) => a !== k) : [...new Set([...next.fnAnnotations, k])];
      }
    } else {
      if (change.manifests.routing !== 'service') throw new Error('test: MemoryKnative serves service routing only');
      const {service} = change.manifests;
      const conflicts: string[] = [];
      if (!change.keepTraffic) {
        const others = next.trafficOwners.filter((m) => m !== 'fn');
        if (others.length && !options.force && JSON.stringify(service.spec.traffic ?? []) !== JSON.stringify(next.traffic)) conflicts.push(...others.map((m) => `${m}: .spec.traffic`));
        next.traffic = structuredClone(service.spec.traffic ?? []);
        next.trafficOwners = ['fn'];
      }
      // Template fields another manager set: a different value fn sends conflicts (unless forced, then
      // fn takes it); the ones fn leaves out stay.
      const template = structuredClone(service.spec.template);
      next.templateByOthers = next.templateByOthers.flatMap(({manager, fields}) => {
        const clash = overlap(fields, template);
        if (clash.length && !options.force) conflicts.push(...clash.map((path) => `${manager}: .spec.template.${path}`));
        const kept = without(fields, template);
        return kept ? [{manager, fields: kept}] : [];
      });
      if (conflicts.length) throw new FnError('FIELD_CONFLICT', 'conflict', `fields fn would set are owned by others: ${conflicts.join(', ')}`, {details: {conflicts}});
      next.template = next.templateByOthers.reduce((t, o) => merge(t, o.fields) as RevisionTemplate, template);
      // Server-side apply removes what fn applied before and leaves out; leaving out every one drops
      // the whole map, Knative's serving.knative.dev/creator with it, which Knative's webhook refuses.
      const sent = Object.keys(service.metadata.annotations ?? {});
      if (next.fnAnnotations.length && !sent.length) {
        throw new FnError('ADMISSION_REJECTED', 'rejected', `test: the apply leaves out every annotation fn set (${next.fnAnnotations.join(', ')}): server-side apply would drop the map, serving.knative.dev/creator with it, which Knative's webhook refuses`);
      }
      for (const k of next.fnAnnotations) if (!sent.includes(k)) delete next.annotations[k];
      next.fnAnnotations = sent;
      next.annotations = {...next.annotations, ...service.metadata.annotations};
      next.labels = {...service.metadata.labels};
    }
    const specChanged = !svc || JSON.stringify([svc.template, svc.traffic]) !== JSON.stringify([next.template, next.traffic]);
    if (specChanged) next.generation++;
    next.rv++;
    if (dryRun) return this.view(next);
    this.writes.push({change: structuredClone(change), dryRun});
    this.services.set(key(ref.namespace, ref.name), next);
    svc = next;
    const view = this.view(svc);
    // Every write is an event for a watch (an annotation-only write too, e.g. another process taking over).
    this.changes.notify();
    this.afterWrite?.();
    // The controller reconciles soon after a write, as a watch would see.
    setImmediate(() => {
      const now = this.services.get(key(ref.namespace, ref.name));
      if (now && now.observedGeneration !== now.generation) this.reconcile(now);
    });
    return view;
  }

  /** A new revision for a new template, the latest ready one, and a status write. */
  private reconcile(svc: StoredService, force = false): void {
    if (svc.observedGeneration === svc.generation && !force) return;
    const image = svc.template.spec.containers[0]?.image;
    const latest = svc.latestCreated ? this.revisionsByName.get(key(svc.namespace, svc.latestCreated)) : undefined;
    const wanted = svc.template.metadata.name;
    const existing = wanted ? this.revisionsByName.get(key(svc.namespace, wanted)) : undefined;
    const spec = templateText(svc.template);
    if (existing && existing.template !== undefined && existing.template !== spec) {
      // As Knative: a template named like an existing revision of another spec is refused.
      svc.failed = {type: 'ConfigurationsReady', status: 'False', reason: 'RevisionFailed', message: `Revision creation failed with message: revisions.serving.knative.dev "${wanted}" already exists.`};
      svc.observedGeneration = svc.generation;
      svc.rv++;
      this.changes.notify();
      return;
    }
    if (existing) svc.latestCreated = existing.name;
    else if (wanted || !latest || latest.image !== image) {
      const name = wanted ?? `${svc.name}-${String(this.revisionsOf(svc.namespace, svc.name).length + 1).padStart(5, '0')}`;
      this.revisionsByName.set(key(svc.namespace, name), {name, namespace: svc.namespace, service: svc.name, image, template: spec, createdAt: this.tick(), generation: this.revisionsOf(svc.namespace, svc.name).length + 1, ...this.nextRevision});
      svc.latestCreated = name;
    }
    const created = this.revisionsByName.get(key(svc.namespace, svc.latestCreated!))!;
    if (created.ready === 'True') svc.latestReady = created.name;
    svc.failed = created.ready === 'False' ? {type: 'ConfigurationsReady', status: 'False', reason: created.reason ?? 'RevisionFailed', message: created.message} : undefined;
    const missing = svc.traffic.find((t) => t.revisionName && !this.revisionsByName.has(key(svc.namespace, t.revisionName)));
    svc.routeFailed = missing ? {type: 'RoutesReady', status: 'False', reason: 'RevisionMissing', message: `Revision "${missing.revisionName}" referenced in traffic not found.`} : undefined;
    if (!missing) svc.routed = structuredClone(svc.traffic);
    svc.observedGeneration = svc.generation;
    svc.rv++;
    this.changes.notify();
  }

  private view(svc: StoredService): DeployedFunction {
    const observed = svc.observedGeneration === svc.generation;
    const routed = svc.routeFailed && svc.routed ? svc.routed : svc.traffic;
    const block = routed.length ? routed : [{latestRevision: true, percent: 100}];
    const statusTraffic = block.map((t) => ({
      revisionName: t.latestRevision ? svc.latestReady : t.revisionName,
      ...(t.latestRevision ? {latestRevision: true} : {}),
      percent: t.percent ?? 0,
      ...(t.tag ? {tag: t.tag, url: `http://${t.tag}-${svc.name}.${svc.namespace}.example.test`} : {}),
    }));
    const failure = svc.failed ?? svc.routeFailed;
    const ready: Condition = failure ? {...failure, type: 'Ready'} : {type: 'Ready', status: observed && svc.latestReady === svc.latestCreated ? 'True' : 'Unknown'};
    return {
      name: svc.name,
      namespace: svc.namespace,
      // The owner of the function's Triggers and PingSources (fn deploy passes it on).
      uid: `uid-${svc.namespace}-${svc.name}`,
      routing: 'service',
      resourceVersion: String(svc.rv),
      observed,
      template: structuredClone(svc.template),
      traffic: structuredClone(svc.traffic),
      statusTraffic: observed ? statusTraffic : [],
      url: `http://${svc.name}.${svc.namespace}.example.test`,
      latestCreatedRevisionName: svc.latestCreated,
      latestReadyRevisionName: svc.latestReady,
      conditions: [
        ...(svc.failed ? [svc.failed] : [{type: 'ConfigurationsReady', status: svc.routeFailed ? 'True' : ready.status} as Condition]),
        svc.routeFailed ?? {type: 'RoutesReady', status: observed ? 'True' : 'Unknown'},
        ready,
      ],
      labels: {...svc.labels},
      annotations: {...svc.annotations},
      trafficOwners: [...svc.trafficOwners],
      ...(svc.templateByOthers.length ? {templateSetByOthers: svc.templateByOthers.reduce<TemplateFields>((all, o) => merge(all, o.fields) as TemplateFields, {})} : {}),
    };
  }

  private revisionsOf(namespace: string, service: string): StoredRevision[] {
    return [...this.revisionsByName.values()].filter((r) => r.namespace === namespace && r.service === service).sort((a, b) => (b.generation ?? 0) - (a.generation ?? 0));
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }


}

function templateText(template: RevisionTemplate): string {
  const {name: _name, ...metadata} = template.metadata;
  return JSON.stringify({metadata, spec: template.spec});
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function info(r: StoredRevision): RevisionInfo {
  return {name: r.name, ...(r.generation ? {generation: r.generation} : {}), createdAt: r.createdAt, image: r.image, ready: r.ready, ...(r.reason ? {reason: r.reason} : {}), ...(r.message ? {message: r.message} : {})};
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` laid on `base`: objects merge, anything else (lists included: Knative's are atomic) replaces. */
function merge(base: unknown, over: unknown): unknown {
  if (!isTree(base) || !isTree(over)) return structuredClone(over);
  const out: Tree = {...structuredClone(base)};
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : structuredClone(v);
  return out;
}

/** Paths set in both with different values. */
function overlap(fields: unknown, sent: unknown, path = ''): string[] {
  if (isTree(fields) && isTree(sent)) return Object.entries(fields).flatMap(([k, v]) => (k in sent ? overlap(v, sent[k], path ? `${path}.${k}` : k) : []));
  return JSON.stringify(fields) === JSON.stringify(sent) ? [] : [path];
}

/** `fields` without what `sent` sets; undefined when nothing is left. */
function without(fields: unknown, sent: unknown): unknown {
  if (!isTree(fields)) return sent === undefined ? fields : undefined;
  if (!isTree(sent)) return sent === undefined ? fields : undefined;
  const out: Tree = {};
  for (const [k, v] of Object.entries(fields)) {
    const rest = k in sent ? without(v, sent[k]) : v;
    if (rest !== undefined) out[k] = rest;
  }
  return Object.keys(out).length ? out : undefined;
}
