// fn deploy makes the cluster's Triggers and PingSources match fn.yaml: creates the new ones, updates
// the changed ones (one moved to another broker is created again: a Trigger's broker cannot change)
// and deletes those no longer listed (func leaves them behind: func#3799), owned by
// the function's Service or Route so they go with it. In three steps around the function's own apply:
// plan (before anything changes: brokers checked, every object validated by the cluster in a dry run),
// apply (after the function is applied, so its uid can own them), wait (after it is Ready, since a
// Trigger resolves its subscriber from the function's address).
import {FnError, isFnError} from './errors.js';
import {childName, EVENT_FUNCTION_LABEL, eventManifests, isFunctionEventObject} from './event-manifests.js';
import {scheduleInfo, triggerInfo, type EventObjects, type PingSource, type Readiness, type ScheduleInfo, type Trigger, type TriggerInfo} from './eventing.js';
import type {FunctionConfig, RoutingMode} from './function.js';
import type {DeployedFunction, Eventing, OwnerReference, Progress} from './ports.js';
import {SERVING_API_VERSION} from './knative.js';

export interface EventPlan {
  namespace: string;
  functionName: string;
  desired: EventObjects;
  /** fn's objects for this function that fn.yaml no longer lists. */
  stale: EventObjects;
  /**
   * Live Triggers fn.yaml still lists, on another broker: a Trigger's broker cannot change (Knative's
   * webhook refuses it), so they are deleted and created again.
   */
  replaced: Trigger[];
  /** Names of the live objects before the apply (to say created or updated). */
  existing: Set<string>;
}

export interface EventStatus {
  subscriptions: TriggerInfo[];
  schedules: ScheduleInfo[];
}

const count = (o: EventObjects) => o.triggers.length + o.pingSources.length;

/** How to create a broker, for messages. */
export function brokerCreateHint(name: string, namespace: string): string {
  return `create it with: fn broker create ${name} -n ${namespace} (or kn broker create ${name} -n ${namespace})`;
}

export function brokerNotFound(name: string, namespace: string, field?: string): FnError {
  return new FnError('BROKER_NOT_FOUND', 'notFound', `${field ? `${field}: ` : ''}broker "${name}" does not exist in namespace "${namespace}"`, {
    suggestion: brokerCreateHint(name, namespace),
    details: {broker: name, namespace, ...(field ? {field} : {})},
  });
}

/**
 * Everything checked before the function changes. A subscription to a broker that does not exist is
 * an error (nothing is applied) when deploy waits, and a warning with --no-wait (the Trigger becomes
 * Ready once someone creates the broker). undefined: the function has no event wiring, and had none.
 */
export async function planEvents(
  eventing: Eventing,
  config: Pick<FunctionConfig, 'name' | 'subscriptions' | 'schedules'>,
  options: {namespace: string; routing: RoutingMode; missingBrokerIsError: boolean},
  progress: Progress,
): Promise<EventPlan | undefined> {
  const {namespace} = options;
  const desired = eventManifests(config, {namespace, routing: options.routing});
  // All of the namespace's, in the same two requests as the function's own: the names others hold, too.
  // A user with no rights on Eventing can deploy a function without events: nothing of fn's there can be theirs.
  const all = count(desired) ? await eventing.objectsIn(namespace) : await forbiddenAsUndefined(eventing.objectsIn(namespace));
  if (!all) {
    progress.detail(`not allowed to list Triggers and PingSources in namespace ${namespace}: leaving event wiring alone`);
    return undefined;
  }
  const live = {triggers: all.triggers.filter((t) => isFunctionEventObject(t, config.name)), pingSources: all.pingSources.filter((p) => isFunctionEventObject(p, config.name))};
  refuseTakenNames(desired, all, live, config, namespace);
  if (count(desired) === 0 && count(live) === 0) return undefined;
  const brokers = [...new Set(desired.triggers.map((t) => t.spec.broker))];
  const found = await Promise.all(brokers.map((b) => eventing.broker(namespace, b)));
  brokers.forEach((b, i) => {
    if (found[i]) return;
    const index = (config.subscriptions ?? []).findIndex((s) => s.broker === b);
    if (options.missingBrokerIsError) throw brokerNotFound(b, namespace, `subscriptions[${index}].broker`);
    progress.warn(`subscriptions[${index}]: broker "${b}" does not exist in namespace "${namespace}"; its Trigger becomes Ready once it does (${brokerCreateHint(b, namespace)})`);
  });
  const brokerOf = new Map(desired.triggers.map((t) => [t.metadata.name, t.spec.broker]));
  const replaced = live.triggers.filter((t) => brokerOf.has(t.metadata.name) && brokerOf.get(t.metadata.name) !== t.spec.broker);
  const replacedNames = new Set(replaced.map((t) => t.metadata.name));
  // The cluster's own validation (webhooks: cron, time zone, filters) before the function is touched.
  // A Trigger to be created again is validated as the create it will be: under a name nothing has.
  const dryRun: EventObjects = {
    triggers: desired.triggers.map((t) => (replacedNames.has(t.metadata.name) ? {...t, metadata: {...t.metadata, name: childName(t.metadata.name, 'dry-run')}} : t)),
    pingSources: desired.pingSources,
  };
  if (count(desired)) await eventing.apply(dryRun, {dryRun: true});
  const names = (objects: Array<Trigger | PingSource>) => new Set(objects.map((o) => o.metadata.name));
  const [triggers, pingSources] = [names(desired.triggers), names(desired.pingSources)];
  return {
    namespace,
    functionName: config.name,
    desired,
    stale: {triggers: live.triggers.filter((t) => !triggers.has(t.metadata.name)), pingSources: live.pingSources.filter((p) => !pingSources.has(p.metadata.name))},
    replaced,
    existing: new Set([...live.triggers.map((t) => `Trigger/${t.metadata.name}`), ...live.pingSources.map((p) => `PingSource/${p.metadata.name}`)]),
  };
}

/** A plan deploy makes once it has read the function (DeployRequest.events). */
export type LaterEventPlan = () => Promise<EventPlan | undefined>;

/**
 * fn deploy's plan: made now, before the build, when fn.yaml lists subscriptions or schedules (so
 * that their errors come before anything is built or applied); when it lists none there is nothing to
 * check, only what an earlier deploy left to prune, and deploy plans once it has read the function,
 * if it exists (a new one has nothing to prune: the namespace's two lists would be asked for nothing).
 */
export async function deployEventPlan(
  eventing: Eventing,
  config: Pick<FunctionConfig, 'name' | 'subscriptions' | 'schedules'>,
  options: {namespace: string; routing: RoutingMode; missingBrokerIsError: boolean},
  progress: Progress,
): Promise<EventPlan | LaterEventPlan | undefined> {
  if (!config.subscriptions?.length && !config.schedules?.length) return () => planEvents(eventing, config, options, progress);
  return planEvents(eventing, config, options, progress);
}

/**
 * The function's Triggers and PingSources, or undefined when the user may not list them (RBAC): for
 * commands that only show or tidy them (describe, delete, a deploy without events), which go on.
 */
export function visibleEventObjects(eventing: Eventing, namespace: string, functionName: string): Promise<EventObjects | undefined> {
  return forbiddenAsUndefined(eventing.objectsOf(namespace, functionName));
}

async function forbiddenAsUndefined(listed: Promise<EventObjects>): Promise<EventObjects | undefined> {
  try {
    return await listed;
  } catch (e) {
    if (isFnError(e) && e.code === 'FORBIDDEN') return undefined;
    throw e;
  }
}

/**
 * A Trigger or PingSource fn would make under a name another function's (or another tool's) object has:
 * applying it would take that object over (the same field manager, for another function of fn's).
 */
function refuseTakenNames(desired: EventObjects, all: EventObjects, live: EventObjects, config: Pick<FunctionConfig, 'name' | 'subscriptions' | 'schedules'>, namespace: string): void {
  const ours = new Set([...live.triggers, ...live.pingSources].map((o) => `${o.kind}/${o.metadata.name}`));
  const holders = new Map([...all.triggers, ...all.pingSources].map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  const check = (objects: Array<Trigger | PingSource>, field: 'subscriptions' | 'schedules') =>
    objects.forEach((o, i) => {
      const key = `${o.kind}/${o.metadata.name}`;
      const holder = holders.get(key);
      if (!holder || ours.has(key)) return;
      const owner = holder.metadata.labels?.[EVENT_FUNCTION_LABEL];
      const whose = owner ? `function "${owner}"'s` : 'not fn\'s';
      const fix = field === 'subscriptions' ? `give subscriptions[${i}] a name in fn.yaml (its Trigger is then ${config.name}-<name>)` : `delete or rename that ${o.kind} (kubectl delete ${o.kind.toLowerCase()} ${o.metadata.name} -n ${namespace}) if it is not needed`;
      throw new FnError('EVENT_NAME_TAKEN', 'conflict', `${field}[${i}] would be ${o.kind} "${o.metadata.name}" in namespace ${namespace}, which is ${whose}: deploying would take it over`, {
        suggestion: fix,
        details: {kind: o.kind, name: o.metadata.name, namespace, ...(owner ? {function: owner} : {})},
      });
    });
  check(desired.triggers, 'subscriptions');
  check(desired.pingSources, 'schedules');
}

export function ownerOf(fn: Pick<DeployedFunction, 'name' | 'routing' | 'uid'>): OwnerReference | undefined {
  return fn.uid ? {apiVersion: SERVING_API_VERSION, kind: fn.routing === 'service' ? 'Service' : 'Route', name: fn.name, uid: fn.uid} : undefined;
}

/** Applies the plan, owned by the function as just applied, and deletes what fn.yaml no longer lists. */
export async function applyEvents(eventing: Eventing, plan: EventPlan, owner: OwnerReference | undefined, progress: Progress): Promise<EventObjects> {
  if (plan.replaced.length) await eventing.delete({triggers: plan.replaced, pingSources: []});
  const applied = count(plan.desired) ? await eventing.apply(plan.desired, {owner}) : {triggers: [], pingSources: []};
  if (count(plan.stale)) await eventing.delete(plan.stale);
  const was = new Map(plan.replaced.map((t) => [t.metadata.name, t.spec.broker]));
  const verb = (kind: string, name: string) => (plan.existing.has(`${kind}/${name}`) ? 'applied' : 'created');
  for (const t of applied.triggers) {
    const before = was.get(t.metadata.name);
    const what = before ? `created again: broker ${t.spec.broker} (was ${before}; a Trigger's broker cannot change)` : `${verb('Trigger', t.metadata.name)}: broker ${t.spec.broker}`;
    progress.step(`Trigger ${t.metadata.name} ${what}, ${triggerInfo(t).filters}`);
  }
  for (const p of applied.pingSources) progress.step(`PingSource ${p.metadata.name} ${verb('PingSource', p.metadata.name)}: ${p.spec.schedule}${p.spec.timezone ? ` (${p.spec.timezone})` : ''}`);
  for (const t of plan.stale.triggers) progress.step(`Trigger ${t.metadata.name} deleted: no longer in fn.yaml`);
  for (const p of plan.stale.pingSources) progress.step(`PingSource ${p.metadata.name} deleted: no longer in fn.yaml`);
  return applied;
}

export function eventStatus(objects: EventObjects): EventStatus {
  return {subscriptions: objects.triggers.map(triggerInfo), schedules: objects.pingSources.map(scheduleInfo)};
}

/** One next step for an object that is not Ready, from what Knative says. */
export function eventNextStep(kind: 'Trigger' | 'PingSource', r: Readiness & {name: string; broker?: string}, namespace: string, functionName: string): string {
  const text = `${r.reason ?? ''} ${r.message ?? ''}`;
  if (/BrokerDoesNotExist/.test(text) && r.broker) return brokerCreateHint(r.broker, namespace);
  if (/broker-filter|broker-ingress|imc-dispatcher|Endpoints/i.test(text)) return 'the broker\'s data plane has no ready pods: check kubectl get pods -n knative-eventing';
  if (/Subscriber|URI|resolve|address/i.test(text)) return `the function has no address yet: check fn describe ${functionName} -n ${namespace}`;
  if (/Deployment|adapter|Deployed/i.test(text)) return 'the PingSource adapter is not running: check kubectl get deploy -n knative-eventing';
  return `kubectl describe ${kind.toLowerCase()} ${r.name} -n ${namespace}`;
}

const readyNow = (o: Trigger | PingSource) => {
  const info = 'broker' in o.spec ? triggerInfo(o as Trigger) : scheduleInfo(o as PingSource);
  return info.ready === 'True';
};

/** Watches the function's Triggers and PingSources until each one fn.yaml lists is Ready; the reasons when not. */
export async function waitEvents(eventing: Eventing, plan: EventPlan, options: {timeoutSeconds: number; signal?: AbortSignal}, progress: Progress): Promise<EventStatus> {
  const total = count(plan.desired);
  if (total === 0) return {subscriptions: [], schedules: []};
  const [triggerNames, scheduleNames] = [new Set(plan.desired.triggers.map((t) => t.metadata.name)), new Set(plan.desired.pingSources.map((p) => p.metadata.name))];
  const wanted = (objects: EventObjects): EventObjects => ({
    triggers: objects.triggers.filter((t) => triggerNames.has(t.metadata.name)),
    pingSources: objects.pingSources.filter((p) => scheduleNames.has(p.metadata.name)),
  });
  const allReady = (objects: EventObjects) => {
    const w = wanted(objects);
    return count(w) === total && [...w.triggers, ...w.pingSources].every(readyNow);
  };
  progress.step(`Waiting for ${total === 1 ? (plan.desired.triggers.length ? 'its Trigger' : 'its PingSource') : `its ${total} Triggers and PingSources`} to become Ready`);
  const {objects, timedOut} = await eventing.watchUntil(plan.namespace, plan.functionName, allReady, options);
  const status = eventStatus(wanted(objects));
  if (!timedOut) return status;
  const notReady = [
    ...status.subscriptions.filter((t) => t.ready !== 'True').map((t) => ({kind: 'Trigger' as const, info: t})),
    ...status.schedules.filter((s) => s.ready !== 'True').map((s) => ({kind: 'PingSource' as const, info: s})),
  ];
  // Listed and applied, but no longer there: someone deleted it during the wait.
  const seen = new Set([...status.subscriptions.map((t) => `Trigger/${t.name}`), ...status.schedules.map((p) => `PingSource/${p.name}`)]);
  const missing = [...plan.desired.triggers, ...plan.desired.pingSources].filter((o) => !seen.has(`${o.kind}/${o.metadata.name}`));
  const [first] = notReady;
  const lines = [
    ...notReady.map(({kind, info}) => `${kind} ${info.name}: Ready ${info.ready}${info.reason ? ` (${info.reason})` : ''}${info.message ? `: ${info.message}` : ''}`),
    ...missing.map((o) => `${o.kind} ${o.metadata.name}: not found (deleted during the wait)`),
  ];
  throw new FnError('EVENTS_NOT_READY', 'timeout', `not Ready within ${options.timeoutSeconds}s: ${lines.join('; ')}`, {
    suggestion: first ? eventNextStep(first.kind, first.info, plan.namespace, plan.functionName) : missing.length ? 'run fn deploy again to create it' : `kubectl get triggers,pingsources -n ${plan.namespace}`,
    details: {...status, ...(missing.length ? {missing: missing.map((o) => `${o.kind}/${o.metadata.name}`)} : {})},
  });
}
