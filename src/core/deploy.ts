// `fn deploy` as a use case over the Knative port: manifests (validated before the cluster is
// contacted), the traffic block computed from what is deployed, ONE server-side apply guarded by
// resourceVersion (the port re-reads and this recomputes if someone wrote in between), then a watch
// until Ready.
import {FnError, functionNotFound} from './errors.js';
import {FIELD_MANAGER} from './knative.js';
import type {FunctionConfig, RoutingMode} from './function.js';
import {manifestsOnto, MAX_NAMED_REVISION_FUNCTION_LENGTH, withAnnotations, withLiveTemplate, withTraffic} from './manifests.js';
import type {DecideChange, DeployedFunction, Eventing, FunctionChange, FunctionRef, Knative, Progress, RevisionInfo} from './ports.js';
import {ConditionsSeen, deployOutcome, deployPhase, newConditionLines, notReadyError, type DeployPhase} from './readiness.js';
import {deployTraffic, describeTraffic, followsLatest, pinLatestEntries, sameTraffic, tagUrls, type TagUrl, type TrafficTarget} from './traffic.js';
import {keptHistory, recordChange} from './traffic-history.js';
import {describeState, isFinal, readState} from './rollout/state.js';
import {revisionFailedError, type RevisionDiagnosis} from './pod-failure.js';
import {DiagnosedFailure, waitWatchingPods} from './pod-watched-wait.js';
import {applyEvents, eventStatus, ownerOf, waitEvents, type EventPlan, type EventStatus, type LaterEventPlan} from './event-sync.js';

export interface DeployRequest {
  config: FunctionConfig;
  /** registry/name@sha256:… */
  image: string;
  namespace: string;
  routing: RoutingMode;
  tag?: string;
  noTraffic?: boolean;
  /** Send all traffic to the new revision even when the live split is not "@latest 100%" (which deploy otherwise keeps). */
  allTraffic?: boolean;
  force?: boolean;
  wait: boolean;
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** Looks at the new revision's pods while waiting, so a revision that cannot start fails in seconds. */
  diagnose?: RevisionDiagnosis;
  /** fn.yaml's subscriptions and schedules, made to match (deployEventPlan: planned, or to plan once the function is read, if it exists). */
  events?: {eventing: Eventing; plan: EventPlan | LaterEventPlan};
}

export interface DeployResult {
  service: string;
  namespace: string;
  routing: RoutingMode;
  revision?: string;
  image: string;
  url?: string;
  tags: TagUrl[];
  /** What Knative routes (status.traffic), or what was written when not waiting. */
  traffic: TrafficTarget[];
  /** False when no revision was created: the inputs are unchanged, or match an earlier revision (reused). */
  newRevision: boolean;
  ready: boolean;
  notes: string[];
  /** The function's Triggers (fn.yaml subscriptions) and PingSources (schedules), when it has or had any. */
  subscriptions?: EventStatus['subscriptions'];
  schedules?: EventStatus['schedules'];
}

/** Whether fn may change spec.traffic in its apply without a field conflict: no other manager owns it. */
function ownsTraffic(fn: DeployedFunction): boolean {
  return (fn.trafficOwners ?? [FIELD_MANAGER]).every((m) => m === FIELD_MANAGER);
}

export async function deploy(knative: Knative, request: DeployRequest, progress: Progress): Promise<DeployResult> {
  const {config, namespace, routing} = request;
  const ref = {name: config.name, namespace};
  const plain = manifestsOnto(undefined, config, {image: request.image, namespace, routing});
  if ((request.tag || request.noTraffic) && !plain.revisionName) {
    throw new FnError('NAME_TOO_LONG_FOR_TAG', 'usage', `--tag and --no-traffic need fn to name the revision, which needs a function name of at most ${MAX_NAMED_REVISION_FUNCTION_LENGTH} characters ("${config.name}" has ${config.name.length})`, {
      suggestion: 'use a shorter name in fn.yaml',
    });
  }

  // Same inputs as an earlier revision (e.g. deploying v1 again after v2): Knative reuses it. Read
  // alongside the function (by the name fn's inputs alone give, which it is unless another tool set
  // template fields); a failed function read is reported first (the revision's error waits).
  const plainExisting: Promise<RevisionInfo | undefined> = plain.revisionName ? knative.revision(namespace, plain.revisionName) : Promise.resolve(undefined);
  plainExisting.catch(() => undefined);
  // --no-traffic keeps the split, and where another tool owns spec.traffic fn does not claim it: the
  // template is applied without traffic. Entries following @latest would move to the new revision,
  // so they are pinned first (a traffic write: what serves does not change), and a --tag is set once
  // the revision exists. When fn owns spec.traffic all of it is one apply, as without --no-traffic.
  let manifests = plain;
  let existing: RevisionInfo | undefined;
  let before: DeployedFunction | undefined;
  let notes: string[] = [];
  let keptTraffic = false;
  let eventPlan = typeof request.events?.plan === 'function' ? undefined : request.events?.plan;
  const at = new Date().toISOString();
  const refuseOtherRouting = (current: DeployedFunction | undefined) => {
    if (!current || current.routing === routing) return;
    throw new FnError('ROUTING_MISMATCH', 'conflict', `${config.name} is deployed in namespace "${namespace}" with routing "${current.routing}", but this deploy uses "${routing}"`, {
      suggestion: `set deploy.routing: ${current.routing} in fn.yaml (or pass --routing ${current.routing}), or fn delete ${config.name} first`,
    });
  };
  const decideApply: DecideChange = async (current) => {
    before = current;
    refuseOtherRouting(current);
    // The revision's name covers the template fields other managers set (they stay in the template).
    manifests = current?.templateSetByOthers ? manifestsOnto(current, config, {image: request.image, namespace, routing}) : plain;
    existing = manifests.revisionName === plain.revisionName ? await plainExisting : await knative.revision(namespace, manifests.revisionName!);
    const unchanged = Boolean(manifests.revisionName) && current?.template?.metadata.name === manifests.revisionName;
    const template = unchanged ? withLiveTemplate(manifests, current!.template!, current!.templateSetByOthers) : manifests;
    if (current) refuseDuringRollout(current);
    const planLater = request.events?.plan;
    if (typeof planLater === 'function') eventPlan = current ? await planLater() : undefined;
    // A split or pinned block is kept (deployTraffic says so) as --no-traffic keeps it.
    const keep = Boolean(current && (request.noTraffic || (!request.allTraffic && !followsLatest(current.traffic))));
    keptTraffic = keep && !ownsTraffic(current!);
    if (keptTraffic) {
      notes = [];
      return {kind: 'apply', manifests: withAnnotations(template, keptHistory(current!.annotations)), keepTraffic: true};
    }
    const change = deployTraffic(current && {...current, revisions: []}, {revisionName: manifests.revisionName ?? '', noTraffic: request.noTraffic, allTraffic: request.allTraffic, tag: request.tag});
    notes = change.notes;
    // What served before goes into fn's traffic history in the same write (what fn rollback undoes).
    const history = current ? recordChange(current, change.traffic, {by: 'deploy', at, latest: manifests.revisionName}) : {};
    return {kind: 'apply', manifests: withAnnotations(withTraffic(template, change.traffic), history)};
  };
  // One read for both decisions: the pin (a write of its own, before the template's) when another
  // tool's split needs one, else the apply itself.
  let pinned = false;
  // The apply's phase is named by its outcome (creating, updating, unchanged): it began here.
  const applyStarted = Date.now();
  const first = await knative.update(
    ref,
    async (current, attempt) => {
      refuseOtherRouting(current);
      const pin = request.allTraffic ? undefined : pinForeignLatest(current, Boolean(request.noTraffic), progress);
      pinned = Boolean(pin);
      return pin ?? decideApply(current, attempt);
    },
    {force: request.force},
  );
  const {fn: applied} = pinned ? await knative.update(ref, decideApply, {force: request.force}) : first;
  if (!applied) throw new FnError('UNEXPECTED', 'unexpected', `the apply of ${config.name} returned nothing`);
  let latest = applied;
  if (keptTraffic && request.tag) latest = await tagNewRevision(knative, ref, manifests.revisionName!, request.tag, progress);
  let events: EventStatus | undefined = request.events && eventPlan && eventStatus(await applyEvents(request.events.eventing, eventPlan, ownerOf(applied), progress));
  for (const note of notes) progress.info(note);

  const templateChanged = !before || !manifests.revisionName || before.template?.metadata.name !== manifests.revisionName;
  const newRevision = templateChanged && !existing;
  const revision = manifests.revisionName ?? applied.latestCreatedRevisionName;
  if (!templateChanged) {
    progress.step(sameTraffic(before!.traffic, applied.traffic) ? `${config.name} is unchanged (revision ${revision})` : `${config.name}: no new revision; traffic updated`, applyStarted);
  } else if (existing) {
    progress.step(`${config.name}: the inputs match revision ${revision} (created ${existing.createdAt ?? 'earlier'}), which Knative reuses: no new revision`, applyStarted);
  } else {
    progress.step(`${before ? 'Updating' : 'Creating'} ${config.name} in namespace ${namespace}: revision ${revision ?? '(named by Knative)'}`, applyStarted);
  }

  let final = latest;
  let ready = false;
  if (request.wait) {
    const seen = new ConditionsSeen();
    // Pods are looked at only while there is something to wait for (not for an unchanged, ready revision).
    const pending = deployOutcome(latest, manifests.revisionName) === 'pending';
    // The wait's phases are progress steps (a live line each on a terminal): the revision, then routing.
    let phase: DeployPhase | undefined;
    const enter = (next: DeployPhase) => {
      if (next === phase || next === 'ready') return;
      phase = next;
      progress.step(next === 'revision' ? `Waiting for revision ${revision ?? '(named by Knative)'}` : `Routing traffic${revision ? ` to ${revision}` : ''}`);
    };
    if (pending) enter(latest.observed ? deployPhase(latest, manifests.revisionName) : 'revision');
    const watched = pending && manifests.revisionName ? [manifests.revisionName] : [];
    const {fn, timedOut} = await waitWatchingPods(request.diagnose, namespace, watched, request.signal, (signal) =>
      knative.watchUntil(latest, (f) => deployOutcome(f, manifests.revisionName) !== 'pending', {
        timeoutSeconds: request.timeoutSeconds,
        signal,
        onUpdate: (f) => {
          if (!f.observed) return;
          enter(deployPhase(f, manifests.revisionName));
          for (const line of newConditionLines(f, seen)) progress.status(line);
        },
      }),
    ).catch(async (e) => {
      if (!(e instanceof DiagnosedFailure)) throw e;
      // Knative's own reason comes first when it already has one.
      const info = await knative.revision(namespace, e.revision).catch(() => undefined);
      if (info?.ready === 'False') throw notReadyError((await knative.get({name: config.name, namespace, routing})) ?? latest, info, false, request.timeoutSeconds);
      throw revisionFailedError(config.name, namespace, e.revision, e.failure);
    });
    final = fn;
    const outcome = deployOutcome(fn, manifests.revisionName);
    if (outcome !== 'ready') {
      const name = manifests.revisionName ?? fn.latestCreatedRevisionName;
      const revisionInfo = name ? await knative.revision(namespace, name) : undefined;
      throw notReadyError(fn, revisionInfo, timedOut, request.timeoutSeconds);
    }
    ready = true;
    if (request.events && eventPlan) events = await waitEvents(request.events.eventing, eventPlan, {timeoutSeconds: request.timeoutSeconds, signal: request.signal}, progress);
  }
  return {
    service: config.name,
    namespace,
    routing,
    ...(revision ? {revision} : {}),
    image: request.image,
    ...(final.url ? {url: final.url} : {}),
    tags: tagUrls(final),
    traffic: ready && final.statusTraffic.length ? final.statusTraffic : final.traffic,
    newRevision,
    ready,
    notes,
    ...(events ? events : {}),
  };
}

/** A split another tool owns that deploy keeps (--no-traffic, or not "@latest 100%"): entries following @latest pinned where they route now. */
function pinForeignLatest(current: DeployedFunction | undefined, noTraffic: boolean, progress: Progress): FunctionChange | undefined {
  if (!current || ownsTraffic(current) || (!noTraffic && followsLatest(current.traffic))) return undefined;
  const pinned = pinLatestEntries(current);
  if (!pinned) return undefined;
  progress.detail(`${current.name}: pinning the entries that follow @latest (${describeTraffic(pinned)}), so the new revision takes no traffic`);
  return {kind: 'traffic', traffic: pinned};
}

/** A deploy during a rollout would move traffic under it: refused, with the rollout's state and the ways out. */
function refuseDuringRollout(current: DeployedFunction): void {
  const rollout = readState(current);
  if (!rollout || isFinal(rollout)) return;
  throw new FnError('ROLLOUT_IN_PROGRESS', 'conflict', `${current.name} has a rollout in progress (${describeState(rollout)}): a deploy now would change the revisions and traffic under it`, {
    suggestion: `fn rollout status ${current.name}; fn rollout abort ${current.name} (back to the split before it) or fn rollout promote ${current.name}, then deploy`,
    details: {rollout},
  });
}

/** --no-traffic --tag on a split another tool owns: the tag, once the template naming the revision is applied. */
async function tagNewRevision(knative: Knative, ref: FunctionRef, revisionName: string, tag: string, progress: Progress): Promise<DeployedFunction> {
  const {fn} = await knative.update(ref, (current) => {
    if (!current) throw functionNotFound(ref);
    const change = deployTraffic({...current, revisions: []}, {revisionName, noTraffic: true, tag});
    for (const note of change.notes) progress.info(note);
    return sameTraffic(change.traffic, current.traffic) ? undefined : {kind: 'traffic', traffic: change.traffic};
  });
  return fn!;
}
