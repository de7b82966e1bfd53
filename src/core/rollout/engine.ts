// Drives a rollout: deploy the canary at 0% with a tag, then for each step check that the revision is
// Ready and the health gate passes, and move traffic. Every write carries the state and the traffic
// together and is guarded by resourceVersion; on any failure the prior split is written back.
import {ExitCode, FnError, isFnError, type ExitCodeName} from '../errors.js';
import {describeTraffic, type RolloutEvent, type RolloutEventBody} from './events.js';
import {formatDuration} from './flag-values.js';
import type {GateResult} from './gate.js';
import {conflictCode, type Clock, type HealthCheck, type RolloutCluster, type ServiceSnapshot} from './ports.js';
import {pinTraffic, sameTraffic, splitTraffic, withoutTag, type PinnedTarget, type TrafficTarget} from './split.js';
import {canaryPercent, isFinal, parseState, rolloutAnnotation, serializeState, stateVersion, type GateRecord, type RolloutSettings, type RolloutState} from './state.js';

export interface Owner {
  pid: number;
  host: string;
}

export interface RolloutDeps {
  cluster: RolloutCluster;
  /** Builds the health check from the rollout's settings (resume rebuilds it from the stored ones). */
  healthFor(settings: RolloutSettings): HealthCheck;
  clock: Clock;
  owner: Owner;
  /** True when the owner's process still runs (same host only; another host's cannot be known). */
  ownerAlive(owner: Owner): boolean;
  emit(event: RolloutEvent): void;
  newId(): string;
  /** How often waits re-read the Service (default 500 ms). */
  pollMs?: number;
}

export interface StartRequest {
  service: string;
  /** Deploy this image as the canary… */
  image?: string;
  /** …whose revision will have this name, when the template names it (else it is found after the deploy). */
  imageRevisionName?: string;
  /** …or roll out this existing revision. Neither: the latest created revision if it takes no traffic. */
  revision?: string;
  tag?: string;
  steps: number[];
  settings: RolloutSettings;
}

export interface RolloutOutcome {
  event: 'done';
  service: string;
  status: 'succeeded' | 'promoted';
  canary: string;
  steps: number[];
  traffic: TrafficTarget[];
  /** Who promoted it, when another process did. */
  by?: string;
  lastGate?: GateRecord;
}

/** Why a rollout stopped: ours to roll back (gate, revision, timeout, interrupt) or someone else's doing. */
class Stop extends Error {
  constructor(
    readonly kind: 'gate' | 'revisionFailed' | 'timeout' | 'interrupted' | 'external',
    message: string,
    readonly gate?: GateResult,
  ) {
    super(message);
  }
}

export function readState(svc: ServiceSnapshot): RolloutState | undefined {
  const text = svc.annotations[rolloutAnnotation];
  return text === undefined ? undefined : parseState(svc.name, text);
}

export function ownerLabel(owner: Owner): string {
  return `pid ${owner.pid} on ${owner.host}`;
}

/** Start a rollout, or resume it when the same canary is already rolling out and its owner is gone. */
export async function startRollout(deps: RolloutDeps, request: StartRequest, signal: AbortSignal): Promise<RolloutOutcome> {
  const {cluster} = deps;
  const svc = await cluster.getService(request.service);
  const existing = readState(svc);
  if (existing && !isFinal(existing)) {
    const same = (request.image && existing.canary.image === request.image) || (request.revision && existing.canary.revisionName === request.revision);
    if (same) return resumeRollout(deps, {service: request.service}, signal);
    throw new FnError('ROLLOUT_IN_PROGRESS', 'conflict', `${request.service} already has a rollout in progress (${describeState(existing)})`, {
      suggestion: `fn rollout status ${request.service}; then fn rollout resume, abort or promote`,
      details: {rollout: existing},
    });
  }
  const prior = pinTraffic(svc.traffic, svc.latestReadyRevisionName);
  const tag = request.tag;
  const now = new Date(deps.clock.now()).toISOString();
  let state: RolloutState = {
    version: stateVersion,
    id: deps.newId(),
    canary: {...(tag ? {tag} : {}), ...(request.image ? {image: request.image} : {})},
    prior,
    followLatest: svc.traffic.length === 0 || svc.traffic.some((t) => t.latestRevision && t.percent > 0),
    steps: request.steps,
    step: -1,
    status: 'running',
    settings: request.settings,
    owner: deps.owner,
    startedAt: now,
    updatedAt: now,
  };

  let current: ServiceSnapshot;
  if (request.image) {
    if (svc.image === request.image) {
      throw new FnError('ROLLOUT_SAME_IMAGE', 'usage', `${request.service} already runs ${request.image}: there is no new revision to roll out`, {
        suggestion: 'pass the new image with --image, or an existing revision with --revision',
      });
    }
    // First claim the Service: the rollout state, with every share pinned where it is so the new
    // revision cannot take the @latest share. Then the new template, guarded by the claim's version,
    // with the new revision at 0% under the tag (latestRevision until its name is known).
    if (request.imageRevisionName) state = {...state, canary: {...state.canary, revisionName: request.imageRevisionName}};
    const claimed = await cluster.writeService(request.service, {resourceVersion: svc.resourceVersion, traffic: prior, annotations: {[rolloutAnnotation]: serializeState(state)}}).catch(rethrowConflict(request.service));
    emit(deps, request.service, {event: 'started', rolloutId: state.id, canary: state.canary, steps: state.steps, prior});
    current = claimed;
    try {
      const traffic = state.canary.revisionName ? blockAt(state, 0) : [{latestRevision: true, percent: 0, ...(tag ? {tag} : {})}, ...withoutTag(prior, tag)];
      const image = request.image;
      current = await guarded(deps, claimed, state, (resourceVersion) => cluster.deployImage(request.service, {resourceVersion, image, traffic}));
      if (!state.canary.revisionName) {
        current = await resolveCanary(deps, current, state, signal);
        state = readState(current)!;
      }
    } catch (e) {
      return await stopped(deps, current, state, e);
    }
    emit(deps, request.service, {event: 'deployed', revision: state.canary.revisionName!, image: request.image});
  } else {
    const revisionName = request.revision ?? svc.latestCreatedRevisionName;
    if (!revisionName) throw new FnError('ROLLOUT_NO_CANARY', 'notFound', `${request.service} has no revision to roll out`, {suggestion: 'pass --image with the new version'});
    if (!request.revision && prior.some((t) => t.revisionName === revisionName && t.percent > 0)) {
      throw new FnError('ROLLOUT_NOTHING_NEW', 'usage', `the latest revision of ${request.service}, ${revisionName}, already takes traffic: there is nothing new to roll out`, {
        suggestion: 'pass --image with the new version (or deploy it with fn deploy --tag canary --no-traffic first)',
      });
    }
    if (!(await cluster.getRevision(revisionName))) {
      throw new FnError('ROLLOUT_REVISION_NOT_FOUND', 'notFound', `revision ${revisionName} of ${request.service} does not exist in namespace ${cluster.namespace}`, {
        suggestion: `list the revisions with: kubectl get revisions -l serving.knative.dev/service=${request.service}`,
      });
    }
    state = {...state, canary: {...state.canary, revisionName}};
    current = await cluster.writeService(request.service, {resourceVersion: svc.resourceVersion, traffic: blockAt(state, 0), annotations: {[rolloutAnnotation]: serializeState(state)}}).catch(rethrowConflict(request.service));
    emit(deps, request.service, {event: 'started', rolloutId: state.id, canary: state.canary, steps: state.steps, prior});
  }
  return drive(deps, current, state, signal);
}

/** Take over a running rollout whose owner is gone (or --force) and drive it on from its last step. */
export async function resumeRollout(deps: RolloutDeps, request: {service: string; force?: boolean}, signal: AbortSignal): Promise<RolloutOutcome> {
  const svc = await deps.cluster.getService(request.service);
  const state = readState(svc);
  if (!state) throw noRollout(request.service);
  if (isFinal(state)) {
    throw new FnError('ROLLOUT_FINISHED', 'conflict', `the last rollout of ${request.service} has ended (${describeState(state)}): there is nothing to resume`, {
      suggestion: 'start a new one with fn rollout --image NEW_IMAGE',
    });
  }
  const mine = state.owner.pid === deps.owner.pid && state.owner.host === deps.owner.host;
  if (!mine && !request.force) {
    if (state.owner.host === deps.owner.host && deps.ownerAlive(state.owner)) {
      throw new FnError('ROLLOUT_OWNED', 'conflict', `${ownerLabel(state.owner)} is still driving the rollout of ${request.service}`, {
        suggestion: `watch it with fn rollout status ${request.service}, or stop it with fn rollout abort ${request.service}`,
      });
    }
    if (state.owner.host !== deps.owner.host) {
      throw new FnError('ROLLOUT_OWNED', 'conflict', `the rollout of ${request.service} is owned by ${ownerLabel(state.owner)} (last update ${state.updatedAt}), which may still be running`, {
        suggestion: 'if that process is gone, take over with fn rollout resume --force',
      });
    }
  }
  const taken: RolloutState = {...state, owner: deps.owner, updatedAt: new Date(deps.clock.now()).toISOString()};
  const current = await deps.cluster
    .writeService(request.service, {resourceVersion: svc.resourceVersion, traffic: svc.traffic, annotations: {[rolloutAnnotation]: serializeState(taken)}})
    .catch(rethrowConflict(request.service));
  emit(deps, request.service, {event: 'started', rolloutId: taken.id, canary: taken.canary, steps: taken.steps, prior: taken.prior, resumedFromStep: taken.step + 1});
  if (!taken.canary.revisionName) {
    try {
      const resolved = await resolveCanary(deps, current, taken, signal);
      return drive(deps, resolved, readState(resolved)!, signal);
    } catch (e) {
      return stopped(deps, current, taken, e);
    }
  }
  return drive(deps, current, taken, signal);
}

/** The steps, from the one after state.step to 100%. */
async function drive(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, signal: AbortSignal): Promise<RolloutOutcome> {
  const {steps} = state;
  const canary = state.canary.revisionName!;
  const health = deps.healthFor(state.settings);
  try {
    for (let i = state.step + 1; i < steps.length; i++) {
      const percent = steps[i];
      emit(deps, svc.name, {event: 'stepStarted', step: i + 1, of: steps.length, percent});
      svc = await waitRevisionReady(deps, svc, state, signal);
      emit(deps, svc.name, {event: 'revisionReady', revision: canary});
      const url = await checkUrl(deps, svc, state, signal);
      const gate = await health.check({url, revisionName: canary, nextPercent: percent, step: i + 1}, signal);
      if (signal.aborted) throw interrupted();
      const record: GateRecord = {...gateSummary(gate), step: i, at: new Date(deps.clock.now()).toISOString()};
      emit(deps, svc.name, {event: 'gate', step: i + 1, percent, ...gateSummary(gate), sampleErrors: gate.sampleErrors});
      if (!gate.passed) throw new Stop('gate', `health gate failed: ${gate.failures.join('; ')}`, gate);

      state = {...state, step: i, lastGate: record, updatedAt: new Date(deps.clock.now()).toISOString()};
      const traffic = blockAt(state, percent, svc);
      svc = await guardedWrite(deps, svc, state, traffic);
      svc = await waitTrafficSettled(deps, svc, state, traffic, signal);
      emit(deps, svc.name, {event: 'trafficMoved', step: i + 1, of: steps.length, percent, traffic});
      if (i < steps.length - 1) await watchfulSleep(deps, svc, state, signal);
    }
    const done: RolloutState = {...state, status: 'succeeded', updatedAt: new Date(deps.clock.now()).toISOString()};
    svc = await guardedWrite(deps, svc, done, svc.traffic);
    return {event: 'done', service: svc.name, status: 'succeeded', canary, steps, traffic: svc.traffic, ...(state.lastGate ? {lastGate: state.lastGate} : {})};
  } catch (e) {
    return stopped(deps, svc, state, e);
  }
}

/** Turn a Stop into a rollback (ours), or into the outcome another process chose (abort/promote). */
async function stopped(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, e: unknown): Promise<RolloutOutcome> {
  if (!(e instanceof Stop)) {
    if (isFnError(e) && e.code === conflictCode) return stopped(deps, svc, state, await externalStop(deps, svc.name, state));
    // Anything else mid-rollout (cluster unreachable, write rejected, a bug): still try to put the
    // prior split back; if even that fails, the state stays `running` for abort or resume.
    const message = e instanceof Error ? e.message : String(e);
    try {
      return await rollBack(deps, svc.name, state, message, undefined, e);
    } catch (rollbackError) {
      if (isFnError(rollbackError) && rollbackError.code === 'ROLLOUT_ROLLED_BACK') throw rollbackError;
      throw new FnError(isFnError(e) ? e.code : 'ROLLOUT_FAILED', isFnError(e) ? exitNameOf(e) : 'unexpected', `${message} (and the rollback failed too: ${rollbackError instanceof Error ? rollbackError.message : rollbackError})`, {
        suggestion: `put the prior split back with fn rollout abort ${svc.name} once the cluster answers`,
        cause: e,
      });
    }
  }
  if (e.kind !== 'external') return rollBack(deps, svc.name, state, e.message, e.gate);
  const fresh = await deps.cluster.getService(svc.name);
  const now = readState(fresh);
  if (now?.id === state.id && now.status === 'promoted') {
    return {event: 'done', service: svc.name, status: 'promoted', canary: state.canary.revisionName ?? '', steps: state.steps, traffic: fresh.traffic, by: now.reason};
  }
  const code = now?.id === state.id && now.status === 'aborted' ? 'rolledBack' : 'conflict';
  throw new FnError(code === 'rolledBack' ? 'ROLLOUT_ABORTED' : 'ROLLOUT_TAKEN_OVER', code, e.message, {
    suggestion: `see fn rollout status ${svc.name}`,
    details: {service: svc.name, step: state.step + 1, rollout: now},
  });
}

/** After conflicts: someone else's doing when the rollout is no longer ours, else roll back (ours). */
async function externalStop(deps: RolloutDeps, service: string, state: RolloutState): Promise<Stop> {
  const fresh = await deps.cluster.getService(service);
  return ownershipLost(fresh, state, deps.owner) ?? new Stop('timeout', `${service} kept changing under the rollout (write conflicts)`);
}

/** Write the prior split back (guarded, retried on conflict) and fail with what went wrong. */
async function rollBack(deps: RolloutDeps, service: string, state: RolloutState, reason: string, gate?: GateResult, cause?: unknown): Promise<never> {
  emit(deps, service, {event: 'rollingBack', step: state.step + 2, reason});
  const traffic = restoreBlock(state);
  for (let attempt = 0; ; attempt++) {
    const svc = await deps.cluster.getService(service);
    const lost = ownershipLost(svc, state, deps.owner);
    if (lost) return stopped(deps, svc, state, lost) as Promise<never>;
    const current = readState(svc)!;
    const ended: RolloutState = {...current, status: 'rolledBack', reason, updatedAt: new Date(deps.clock.now()).toISOString()};
    try {
      const written = await deps.cluster.writeService(service, {resourceVersion: svc.resourceVersion, traffic, annotations: {[rolloutAnnotation]: serializeState(ended)}});
      // Best effort: report, but do not hang on a route that no longer settles.
      await waitTrafficSettled(deps, written, ended, traffic, new AbortController().signal).catch(() => undefined);
      break;
    } catch (e) {
      if (!(isFnError(e) && e.code === conflictCode) || attempt >= 4) throw e;
    }
  }
  const stepNumber = state.step + 2;
  const percent = state.steps[state.step + 1];
  throw new FnError('ROLLOUT_ROLLED_BACK', 'rolledBack', `rolled back ${service} at step ${stepNumber}/${state.steps.length} (${percent}%): ${reason}. Traffic is back to ${describeTraffic(traffic)}`, {
    suggestion: state.canary.revisionName ? `inspect the canary with: kubectl describe revision ${state.canary.revisionName}` : `see fn rollout status ${service}`,
    cause,
    details: {service, step: stepNumber, percent, reason, ...(gate ? {gate: gateSummary(gate)} : {}), traffic, canary: state.canary.revisionName},
  });
}

/** Wait for the new revision made by an image write, record its name and pin it in the traffic. */
async function resolveCanary(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, signal: AbortSignal): Promise<ServiceSnapshot> {
  const known = new Set(state.prior.map((t) => t.revisionName));
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    const lost = ownershipLost(svc, state, deps.owner);
    if (lost) throw lost;
    const created = svc.latestCreatedRevisionName;
    if (created && !known.has(created) && svc.observed) {
      const pinned: RolloutState = {...state, canary: {...state.canary, revisionName: created}, updatedAt: new Date(deps.clock.now()).toISOString()};
      return guardedWrite(deps, svc, pinned, blockAt(pinned, 0));
    }
    const failed = svc.conditions.find((c) => c.type === 'ConfigurationsReady' && c.status === 'False');
    if (failed && svc.observed) throw new Stop('revisionFailed', `the new revision was not created: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim());
    svc = await tick(deps, svc.name, deadline, signal, `the new revision of ${svc.name} was not created within ${formatDuration(state.settings.timeoutMs)}`);
  }
}

async function waitRevisionReady(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, signal: AbortSignal): Promise<ServiceSnapshot> {
  const name = state.canary.revisionName!;
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    const lost = ownershipLost(svc, state, deps.owner);
    if (lost) throw lost;
    const revision = await deps.cluster.getRevision(name);
    // Missing: just deployed and not created yet (or deleted: then the deadline says so).
    if (revision?.ready === 'True') return svc;
    if (revision?.ready === 'False') throw new Stop('revisionFailed', `revision ${name} failed: ${[revision.reason, revision.message].filter(Boolean).join(': ') || 'Ready=False'}`);
    svc = await tick(deps, svc.name, deadline, signal, `revision ${name} ${revision ? 'was not Ready' : 'did not appear'} within ${formatDuration(state.settings.timeoutMs)}`);
  }
}

/** The URL the health check calls: --check-url, else the canary tag's URL (once the route has it). */
async function checkUrl(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, signal: AbortSignal): Promise<string | undefined> {
  const check = state.settings.check;
  if (check.kind === 'command') return tagUrl(svc, state);
  if (check.url) return joinUrl(check.url, check.path);
  if (!state.canary.tag) throw new Stop('gate', 'the canary has no tag, so it has no URL of its own to check: pass --tag or --check-url');
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    const url = tagUrl(svc, state);
    if (url) return joinUrl(url, check.path);
    svc = await tick(deps, svc.name, deadline, signal, `the route did not publish a URL for tag ${state.canary.tag} within ${formatDuration(state.settings.timeoutMs)}`);
    const lost = ownershipLost(svc, state, deps.owner);
    if (lost) throw lost;
  }
}

function tagUrl(svc: ServiceSnapshot, state: RolloutState): string | undefined {
  return svc.statusTraffic.find((t) => t.tag === state.canary.tag && t.revisionName === state.canary.revisionName && t.url)?.url;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** Wait until the route serves `traffic` (status.traffic matches at the written generation). */
async function waitTrafficSettled(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, traffic: TrafficTarget[], signal: AbortSignal): Promise<ServiceSnapshot> {
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    if (svc.observed) {
      const expected = traffic.map((t) => ({revisionName: t.latestRevision ? svc.latestReadyRevisionName ?? '' : t.revisionName!, percent: t.percent, ...(t.tag ? {tag: t.tag} : {})}));
      const routed = svc.statusTraffic.map((t) => ({revisionName: t.revisionName ?? '', percent: t.percent ?? 0, ...(t.tag ? {tag: t.tag} : {})}));
      if (sameTraffic(expected, routed)) return svc;
      const routes = svc.conditions.find((c) => c.type === 'RoutesReady' && c.status === 'False');
      if (routes) throw new Stop('revisionFailed', `the route did not take the new split: ${[routes.reason, routes.message].filter(Boolean).join(': ')}`);
    }
    svc = await tick(deps, svc.name, deadline, signal, `the route did not serve ${describeTraffic(traffic)} within ${formatDuration(state.settings.timeoutMs)}`);
    if (state.status === 'running') {
      const lost = ownershipLost(svc, state, deps.owner);
      if (lost) throw lost;
    }
  }
}

/** The interval between steps, re-reading the Service so an abort or promote elsewhere ends it early. */
async function watchfulSleep(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, signal: AbortSignal): Promise<void> {
  const until = deps.clock.now() + state.settings.intervalMs;
  emit(deps, svc.name, {event: 'waiting', step: state.step + 2, untilMs: state.settings.intervalMs});
  for (;;) {
    const left = until - deps.clock.now();
    if (left <= 0) return;
    await deps.clock.sleep(Math.min(left, deps.pollMs ?? 500), signal);
    if (signal.aborted) throw interrupted();
    const lost = ownershipLost(await deps.cluster.getService(svc.name), state, deps.owner);
    if (lost) throw lost;
  }
}

/** Sleep one poll, fail at the deadline, re-read the Service. */
async function tick(deps: RolloutDeps, service: string, deadline: number, signal: AbortSignal, timeoutMessage: string): Promise<ServiceSnapshot> {
  if (deps.clock.now() >= deadline) throw new Stop('timeout', timeoutMessage);
  await deps.clock.sleep(Math.min(deps.pollMs ?? 500, Math.max(0, deadline - deps.clock.now())), signal);
  if (signal.aborted) throw interrupted();
  return deps.cluster.getService(service);
}

/** Write state + traffic guarded by the version we last read; a conflict means someone else acted. */
function guardedWrite(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, traffic: TrafficTarget[]): Promise<ServiceSnapshot> {
  const annotations = {[rolloutAnnotation]: serializeState(state)};
  return guarded(deps, svc, state, (resourceVersion) => deps.cluster.writeService(svc.name, {resourceVersion, traffic, annotations}));
}

/** A write guarded by resourceVersion, retried on a fresh read while the rollout is still ours. */
async function guarded(deps: RolloutDeps, svc: ServiceSnapshot, state: RolloutState, write: (resourceVersion: string) => Promise<ServiceSnapshot>): Promise<ServiceSnapshot> {
  try {
    return await write(svc.resourceVersion);
  } catch (e) {
    if (!(isFnError(e) && e.code === conflictCode)) throw e;
    // The controller's status updates bump resourceVersion too: re-read and retry while the rollout is
    // still ours; when another process changed it, stop and let the caller report who.
    for (let attempt = 0; ; attempt++) {
      const fresh = await deps.cluster.getService(svc.name);
      const lost = ownershipLost(fresh, state, deps.owner);
      if (lost) throw lost;
      try {
        return await write(fresh.resourceVersion);
      } catch (retryError) {
        if (!(isFnError(retryError) && retryError.code === conflictCode) || attempt >= 4) throw retryError;
      }
    }
  }
}

/** A Stop when the Service's rollout is no longer this process's running one. */
function ownershipLost(svc: ServiceSnapshot, state: RolloutState, owner: Owner): Stop | undefined {
  let now: RolloutState | undefined;
  try {
    now = readState(svc);
  } catch {
    return new Stop('external', `the ${rolloutAnnotation} annotation on ${svc.name} was overwritten`);
  }
  if (!now || now.id !== state.id) return new Stop('external', `the rollout state on ${svc.name} was removed or replaced`);
  if (now.status === 'aborted') return new Stop('external', `the rollout was ${now.reason ?? 'aborted from another process'}`);
  if (now.status === 'promoted') return new Stop('external', `the rollout was ${now.reason ?? 'promoted from another process'}`);
  if (now.status !== 'running') return new Stop('external', `the rollout ended elsewhere (${now.status})`);
  if (now.owner.pid !== owner.pid || now.owner.host !== owner.host) return new Stop('external', `the rollout was taken over by ${ownerLabel(now.owner)}`);
  return undefined;
}

/** The traffic block with the canary at `percent`; at 100% the final block (untagged, @latest if it was). */
export function blockAt(state: RolloutState, percent: number, svc?: ServiceSnapshot): TrafficTarget[] {
  const canary = {revisionName: state.canary.revisionName!, tag: state.canary.tag};
  const block = splitTraffic(state.prior, canary, percent);
  if (percent < 100) return block;
  return finalBlock(state, block, svc);
}

function finalBlock(state: RolloutState, block: PinnedTarget[], svc?: ServiceSnapshot): TrafficTarget[] {
  const canary = state.canary.revisionName!;
  const kept = state.settings.keepTag ? block : withoutTag(block, state.canary.tag);
  // Give the route back to @latest when it was there before and the canary is the latest revision,
  // so the next ordinary deploy flows as it used to.
  const followLatest = state.followLatest && (!svc || svc.latestCreatedRevisionName === canary);
  if (!followLatest) return kept;
  return kept.flatMap((t): TrafficTarget[] => {
    if (t.revisionName !== canary || t.percent === 0) return [t];
    const latest: TrafficTarget = {latestRevision: true, percent: t.percent};
    return t.tag ? [latest, {revisionName: canary, percent: 0, tag: t.tag}] : [latest];
  });
}

/** The prior split, plus the canary at 0% under its tag when the tag is kept. */
export function restoreBlock(state: RolloutState): TrafficTarget[] {
  const {revisionName, tag} = state.canary;
  if (!state.settings.keepTag || !revisionName || !tag || state.prior.some((t) => t.tag === tag)) return state.prior;
  return [...state.prior, {revisionName, percent: 0, tag}];
}

/** The final block for a promote from another process. */
export function promotedBlock(state: RolloutState, svc: ServiceSnapshot): TrafficTarget[] {
  return blockAt(state, 100, svc);
}

export function describeState(state: RolloutState): string {
  const canary = state.canary.revisionName ?? state.canary.image ?? 'a new revision';
  const where = state.step < 0 ? 'at 0%' : `step ${state.step + 1}/${state.steps.length}, ${canaryPercent(state)}%`;
  return `${canary} ${state.status}, ${where}, owner ${ownerLabel(state.owner)}${state.reason ? `: ${state.reason}` : ''}`;
}

export function noRollout(service: string): FnError {
  return new FnError('ROLLOUT_NOT_FOUND', 'notFound', `${service} has no rollout (no ${rolloutAnnotation} annotation)`, {
    suggestion: `start one with fn rollout --service ${service} --image NEW_IMAGE`,
  });
}

function gateSummary(gate: GateResult) {
  return {passed: gate.passed, requests: gate.requests, errors: gate.errors, errorRate: gate.errorRate, ...(gate.p95Ms === undefined ? {} : {p95Ms: gate.p95Ms}), failures: gate.failures};
}

function interrupted(): Stop {
  return new Stop('interrupted', 'interrupted (Ctrl-C)');
}

function rethrowConflict(service: string) {
  return (e: unknown): never => {
    if (isFnError(e) && e.code === conflictCode) {
      throw new FnError('ROLLOUT_CONFLICT', 'conflict', `${service} changed while the rollout was starting (another fn rollout or deploy?)`, {suggestion: `see fn rollout status ${service}, then try again`});
    }
    throw e;
  };
}

function emit(deps: RolloutDeps, service: string, body: RolloutEventBody): void {
  deps.emit({at: new Date(deps.clock.now()).toISOString(), service, ...body} as RolloutEvent);
}

function exitNameOf(e: FnError): ExitCodeName {
  return (Object.keys(ExitCode) as ExitCodeName[]).find((k) => ExitCode[k] === e.exitCode) ?? 'unexpected';
}
