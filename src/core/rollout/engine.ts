// Drives a rollout: deploy the canary at 0% with a tag, then for each step check that the revision is
// Ready and the health gate passes, and move traffic. Every write carries the state and the traffic
// together, through the Knative port's guarded update; how a stopped rollout ends is ending.ts's.
import {FnError, functionNotFound} from '../errors.js';
import type {FunctionConfig} from '../function.js';
import {manifestsOnto, withAnnotations, withTraffic} from '../manifests.js';
import type {DeployedFunction, FunctionChange, FunctionRef, Knative} from '../ports.js';
import {tagUrls, type TagUrl, type TrafficTarget} from '../traffic.js';
import {historyAsBefore} from '../traffic-history.js';
import {endStoppedRollout, gateSummary, outcomeOf} from './ending.js';
import type {RolloutEvent, RolloutEventBody} from './events.js';
import type {HealthCheck} from './gate.js';
import type {RevisionDiagnosis} from '../pod-failure.js';
import {blockAt, pinTraffic, withoutTag} from './split.js';
import {describeState, endingHistory, isFinal, noRollout, ownerLabel, readState, rolloutAnnotation, serializeState, stateVersion, type GateRecord, type Owner, type RolloutSettings, type RolloutState} from './state.js';
import {interrupted, ownershipLost, readFunction, Stop, waitCheckUrl, waitNewRevision, waitRevisionReady, waitTrafficSettled, watchfulSleep} from './waits.js';

export interface RolloutDeps {
  knative: Knative;
  /** The function rolled out. */
  ref: FunctionRef;
  /** fn.yaml: needed only to deploy a new image (the template is built as fn deploy builds it). */
  config?: FunctionConfig;
  /** Builds the health check from the rollout's settings (resume rebuilds it from the stored ones). */
  healthFor(settings: RolloutSettings): HealthCheck;
  /** Wall-clock time for the timestamps in the state and the events (waits are bounded by the port's watches). */
  now(): number;
  owner: Owner;
  /** True when the owner's process still runs (same host only; another host's cannot be known). */
  ownerAlive(owner: Owner): boolean;
  emit(event: RolloutEvent): void;
  newId(): string;
  /** Looks at a revision's pods while it is not ready, so one that cannot start fails in seconds. */
  diagnose?: RevisionDiagnosis;
}

export interface StartRequest {
  /** Deploy this image as the canary… */
  image?: string;
  /** …or roll out this existing revision. Neither: the latest created revision if it takes no traffic. */
  revision?: string;
  tag?: string;
  steps: number[];
  settings: RolloutSettings;
}

export interface RolloutOutcome {
  event: 'done';
  service: string;
  namespace: string;
  /** unchanged: the image and fn.yaml are the live template's, whose revision already takes 100%. */
  status: 'succeeded' | 'promoted' | 'unchanged';
  /** The revision rolled out. */
  canary: string;
  /** Its image (registry/name@sha256:…), when known: --image, or the function's template. */
  image?: string;
  url?: string;
  tags: TagUrl[];
  steps: number[];
  traffic: TrafficTarget[];
  /** Who promoted it, when another process did. */
  by?: string;
  lastGate?: GateRecord;
}

/** Start a rollout, or resume it when the same canary is already rolling out and its owner is gone. */
export async function startRollout(deps: RolloutDeps, request: StartRequest, signal: AbortSignal): Promise<RolloutOutcome> {
  const service = deps.ref.name;
  const fn = await readFunction(deps);
  const existing = readState(fn);
  if (existing && !isFinal(existing)) {
    const same = (request.image && existing.canary.image === request.image) || (request.revision && existing.canary.revisionName === request.revision);
    if (same) return resumeRollout(deps, {}, signal);
    throw inProgress(service, existing);
  }
  const tag = request.tag;
  const now = new Date(deps.now()).toISOString();
  const fresh: Omit<RolloutState, 'prior' | 'followLatest'> = {
    version: stateVersion,
    id: deps.newId(),
    canary: {...(tag ? {tag} : {}), ...(request.image ? {image: request.image} : {})},
    steps: request.steps,
    step: -1,
    status: 'running',
    settings: request.settings,
    owner: deps.owner,
    startedAt: now,
    updatedAt: now,
  };

  if (request.image) {
    const image = request.image;
    const config = deps.config;
    if (!config) {
      throw new FnError('ROLLOUT_NEEDS_FUNCTION', 'usage', `--image needs the function's fn.yaml to build the new revision's template`, {
        suggestion: 'run fn rollout in the function folder (or pass --path), or deploy with fn deploy --tag canary --no-traffic and roll out with --revision',
      });
    }
    // The canary's template as fn deploy makes it (one rule, manifests.ts manifestsOnto): fn's fields
    // for this image plus those other managers set on the live template, which stay and so are part
    // of the revision's name (undefined when the server names it).
    const canaryManifests = (current: DeployedFunction) => manifestsOnto(current, config, {image, namespace: deps.ref.namespace, routing: current.routing});
    // Nothing new: the same template (image and fn.yaml) as the live one would be no new revision.
    const liveName = fn.template?.metadata.name;
    const canaryName = canaryManifests(fn).revisionName;
    if (canaryName ? liveName === canaryName : fn.template?.spec.containers[0]?.image === image) {
      const live = canaryName ?? fn.latestCreatedRevisionName;
      // Already rolled out (a CI job run again on the same commit): the end state holds, nothing to do.
      if (live && fn.statusTraffic.some((t) => t.revisionName === live && t.percent === 100)) {
        return {event: 'done', service, namespace: fn.namespace, status: 'unchanged', canary: live, image, ...(fn.url ? {url: fn.url} : {}), tags: tagUrls(fn), steps: [], traffic: fn.traffic};
      }
      // The live template's revision does not take all the traffic (a rolled-back rollout, a split):
      // rolling it out again is the user's call.
      throw new FnError('ROLLOUT_NOTHING_NEW', 'usage', `${service} already runs ${image}${canaryName ? ` with this fn.yaml (revision ${canaryName})` : ''}: there is no new revision to roll out`, {
        suggestion: `change the source or fn.yaml (fn rollout builds it), pass another image with --image${live ? `, or roll out ${live} again with --revision ${live}` : ', or an existing revision with --revision'}`,
      });
    }
    // First claim the function: the rollout state, with every share pinned where it is so the new
    // revision cannot take the @latest share. Then the new template, guarded the same way, with the
    // new revision at 0% under the tag (latestRevision until its name is known).
    let {state} = await claim(deps, (current) => {
      const prior = pinTraffic(current);
      const revisionName = canaryManifests(current).revisionName;
      return {state: {...fresh, canary: {...fresh.canary, ...(revisionName ? {revisionName} : {})}, prior, followLatest: followsLatest(current)}, traffic: prior};
    });
    emit(deps, {event: 'started', rolloutId: state.id, canary: state.canary, steps: state.steps, prior: state.prior});
    let current: DeployedFunction;
    try {
      const traffic = state.canary.revisionName ? blockAt(state, 0) : [{latestRevision: true, percent: 0, ...(tag ? {tag} : {})}, ...withoutTag(state.prior, tag)];
      const claimed = state;
      current = await writeOurs(deps, claimed, (fn) => {
        const manifests = canaryManifests(fn);
        if (manifests.revisionName !== claimed.canary.revisionName) throw templateChanged(service, claimed.canary.revisionName, manifests.revisionName);
        // The apply re-sends fn's annotations: server-side apply removes one fn applied before and
        // leaves out. The history is written even when empty, so no later apply of fn's leaves out
        // every annotation fn set (that would drop the map, Knative's own annotations with it).
        return {kind: 'apply', manifests: withAnnotations(withTraffic(manifests, traffic), {...historyAsBefore(fn.annotations), [rolloutAnnotation]: serializeState(claimed)})};
      });
      if (!state.canary.revisionName) ({fn: current, state} = await pinCanary(deps, current, state, signal));
    } catch (e) {
      return endStoppedRollout(endingDeps(deps), state, e);
    }
    emit(deps, {event: 'deployed', revision: state.canary.revisionName!, image});
    return drive(deps, current, state, signal);
  }

  const revisionName = request.revision ?? fn.latestCreatedRevisionName;
  if (!revisionName) throw new FnError('ROLLOUT_NO_CANARY', 'notFound', `${service} has no revision to roll out`, {suggestion: 'pass --image with the new version'});
  if (!request.revision && pinTraffic(fn).some((t) => t.revisionName === revisionName && t.percent > 0)) {
    throw new FnError('ROLLOUT_NOTHING_NEW', 'usage', `the latest revision of ${service}, ${revisionName}, already takes traffic: there is nothing new to roll out`, {
      suggestion: 'pass --image with the new version (or deploy it with fn deploy --tag canary --no-traffic first)',
    });
  }
  if (!(await deps.knative.revision(deps.ref.namespace, revisionName))) {
    throw new FnError('ROLLOUT_REVISION_NOT_FOUND', 'notFound', `revision ${revisionName} of ${service} does not exist in namespace ${deps.ref.namespace}`, {
      suggestion: `list the revisions with: fn revisions ${service} -n ${deps.ref.namespace}`,
    });
  }
  const {state, fn: claimed} = await claim(deps, (fn) => {
    const state: RolloutState = {...fresh, canary: {...fresh.canary, revisionName}, prior: pinTraffic(fn), followLatest: followsLatest(fn)};
    return {state, traffic: blockAt(state, 0)};
  });
  emit(deps, {event: 'started', rolloutId: state.id, canary: state.canary, steps: state.steps, prior: state.prior});
  return drive(deps, claimed, state, signal);
}

/** Take over a running rollout whose owner is gone (or --force) and drive it on from its last step. */
export async function resumeRollout(deps: RolloutDeps, request: {force?: boolean}, signal: AbortSignal): Promise<RolloutOutcome> {
  const service = deps.ref.name;
  let taken: RolloutState | undefined;
  const {fn} = await deps.knative.update(deps.ref, (current) => {
    if (!current) throw functionNotFound(deps.ref);
    const state = readState(current);
    if (!state) throw noRollout(service);
    if (isFinal(state)) {
      throw new FnError('ROLLOUT_FINISHED', 'conflict', `the last rollout of ${service} has ended (${describeState(state)}): there is nothing to resume`, {
        suggestion: 'start a new one with fn rollout --image NEW_IMAGE',
      });
    }
    const mine = state.owner.pid === deps.owner.pid && state.owner.host === deps.owner.host;
    if (!mine && !request.force) {
      if (state.owner.host === deps.owner.host && deps.ownerAlive(state.owner)) {
        throw new FnError('ROLLOUT_OWNED', 'conflict', `${ownerLabel(state.owner)} is still driving the rollout of ${service}`, {
          suggestion: `watch it with fn rollout status ${service}, or stop it with fn rollout abort ${service}`,
        });
      }
      if (state.owner.host !== deps.owner.host) {
        throw new FnError('ROLLOUT_OWNED', 'conflict', `the rollout of ${service} is owned by ${ownerLabel(state.owner)} (last update ${state.updatedAt}), which may still be running`, {
          suggestion: 'if that process is gone, take over with fn rollout resume --force',
        });
      }
    }
    taken = {...state, owner: deps.owner, updatedAt: new Date(deps.now()).toISOString()};
    return {kind: 'traffic', traffic: current.traffic, annotations: {[rolloutAnnotation]: serializeState(taken)}};
  });
  let state = taken!;
  emit(deps, {event: 'started', rolloutId: state.id, canary: state.canary, steps: state.steps, prior: state.prior, resumedFromStep: state.step + 2});
  let current = fn!;
  if (!state.canary.revisionName) {
    try {
      ({fn: current, state} = await pinCanary(deps, current, state, signal));
    } catch (e) {
      return endStoppedRollout(endingDeps(deps), state, e);
    }
  }
  return drive(deps, current, state, signal);
}

/** The steps, from the one after state.step to 100%. */
async function drive(deps: RolloutDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<RolloutOutcome> {
  const {steps} = state;
  const canary = state.canary.revisionName!;
  try {
    const health = deps.healthFor(state.settings);
    for (let i = state.step + 1; i < steps.length; i++) {
      const percent = steps[i];
      const step = i + 1;
      emit(deps, {event: 'stepStarted', step, of: steps.length, percent});
      fn = await waitRevisionReady(deps, fn, state, signal);
      emit(deps, {event: 'revisionReady', revision: canary});
      const url = await waitCheckUrl(deps, fn, state, signal);
      const gate = await health.check({url, revisionName: canary, nextPercent: percent, step}, signal);
      if (signal.aborted) throw interrupted();
      emit(deps, {event: 'gate', step, percent, ...gateSummary(gate), sampleErrors: gate.sampleErrors});
      if (!gate.passed) throw new Stop('gate', `health gate failed: ${gate.failures.join('; ')}`, gate);

      const next: RolloutState = {...state, step: i, lastGate: {...gateSummary(gate), step: i, at: new Date(deps.now()).toISOString()}, updatedAt: new Date(deps.now()).toISOString()};
      let traffic: TrafficTarget[] = [];
      fn = await writeOurs(deps, state, (current) => {
        traffic = blockAt(next, percent, current);
        return {kind: 'traffic', traffic, annotations: {[rolloutAnnotation]: serializeState(next)}};
      });
      state = next;
      fn = await waitTrafficSettled(deps, fn, state, traffic, signal);
      emit(deps, {event: 'trafficMoved', step, of: steps.length, percent, traffic});
      if (i < steps.length - 1) {
        emit(deps, {event: 'waiting', step: step + 1, untilMs: state.settings.intervalMs});
        fn = await watchfulSleep(deps, fn, state, signal);
      }
    }
    const at = new Date(deps.now()).toISOString();
    const done: RolloutState = {...state, status: 'succeeded', updatedAt: at};
    // The rollout's one entry in the traffic history goes with the write that ends it (resumed or not).
    const last = state;
    fn = await writeOurs(deps, last, (current) => ({kind: 'traffic', traffic: current.traffic, annotations: {...endingHistory(current, last, current.traffic, at), [rolloutAnnotation]: serializeState(done)}}));
    return {event: 'done', ...outcomeOf(fn, state), status: 'succeeded', steps, traffic: fn.traffic, ...(state.lastGate ? {lastGate: state.lastGate} : {})};
  } catch (e) {
    return endStoppedRollout(endingDeps(deps), state, e);
  }
}

/** Wait for the revision an image write made, record its name and pin it in the traffic. */
async function pinCanary(deps: RolloutDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<{fn: DeployedFunction; state: RolloutState}> {
  const created = await waitNewRevision(deps, fn, state, signal);
  const pinned: RolloutState = {...state, canary: {...state.canary, revisionName: created.revisionName}, updatedAt: new Date(deps.now()).toISOString()};
  const written = await writeOurs(deps, state, () => ({kind: 'traffic', traffic: blockAt(pinned, 0), annotations: {[rolloutAnnotation]: serializeState(pinned)}}));
  return {fn: written, state: pinned};
}

/** The first write of a rollout: state and traffic, decided from a fresh read, refused when another rollout got there first. */
async function claim(deps: RolloutDeps, decide: (fn: DeployedFunction) => {state: RolloutState; traffic: TrafficTarget[]}): Promise<{state: RolloutState; fn: DeployedFunction}> {
  let state: RolloutState | undefined;
  const {fn} = await deps.knative.update(deps.ref, (current) => {
    if (!current) throw functionNotFound(deps.ref);
    const other = readState(current);
    if (other && !isFinal(other)) throw inProgress(deps.ref.name, other);
    const claimed = decide(current);
    state = claimed.state;
    return {kind: 'traffic', traffic: claimed.traffic, annotations: {[rolloutAnnotation]: serializeState(claimed.state)}};
  });
  return {state: state!, fn: fn!};
}

/** A guarded write while the rollout is this process's `state`; a Stop when it no longer is. */
async function writeOurs(deps: RolloutDeps, state: RolloutState, change: (fn: DeployedFunction) => FunctionChange): Promise<DeployedFunction> {
  const {fn} = await deps.knative.update(deps.ref, (current) => {
    if (!current) throw functionNotFound(deps.ref);
    const lost = ownershipLost(current, state, deps.owner);
    if (lost) throw lost;
    return change(current);
  });
  return fn!;
}

/** The prior block routed by @latest: the final block does too, so later deploys keep flowing. */
function followsLatest(fn: DeployedFunction): boolean {
  return fn.traffic.length === 0 || fn.traffic.some((t) => t.latestRevision && (t.percent ?? 0) > 0);
}

/** Another tool changed the template between the claim, which named the canary, and its apply. */
function templateChanged(service: string, claimed: string | undefined, now: string | undefined): FnError {
  return new FnError('ROLLOUT_TEMPLATE_CHANGED', 'conflict', `the template of ${service} changed while the rollout started: the canary was to be ${claimed ?? 'named by the server'}, and with the fields set now it would be ${now ?? 'named by the server'}`, {
    suggestion: 'another tool wrote the template in between: run fn rollout again',
  });
}

function inProgress(service: string, existing: RolloutState): FnError {
  return new FnError('ROLLOUT_IN_PROGRESS', 'conflict', `${service} already has a rollout in progress (${describeState(existing)})`, {
    suggestion: `fn rollout status ${service}; then fn rollout resume, abort or promote`,
    details: {rollout: existing},
  });
}

function endingDeps(deps: RolloutDeps) {
  return {...deps, emit: (body: RolloutEventBody) => emit(deps, body)};
}

function emit(deps: RolloutDeps, body: RolloutEventBody): void {
  deps.emit({at: new Date(deps.now()).toISOString(), service: deps.ref.name, ...body} as RolloutEvent);
}
