// What the rollout driver waits for between writes — the canary Ready, its tag URL published, the
// route serving a split, the interval between steps. Each is a watch through the Knative port, as fn
// deploy and fn traffic wait (no polling): `done` holds the rollout's stop conditions too (the rollout
// is no longer this process's: aborted, promoted, taken over; the revision or the route failed), the
// bound is --timeout (the interval's: --interval), and Ctrl-C comes through the signal. What "ready"
// and "failed" mean is core/readiness.ts's.
import {functionNotFound} from '../errors.js';
import {condition, type Condition} from '../knative.js';
import type {RevisionDiagnosis} from '../pod-failure.js';
import {DiagnosedFailure, waitWatchingPods} from '../pod-watched-wait.js';
import type {DeployedFunction, FunctionRef, Knative, RevisionInfo} from '../ports.js';
import {deployOutcome, revisionOutcome, trafficOutcome} from '../readiness.js';
import {describeTraffic, type TrafficTarget} from '../traffic.js';
import {formatDuration} from '../flag-values.js';
import type {GateResult} from './gate.js';
import {ownerLabel, readState, rolloutAnnotation, type Owner, type RolloutState} from './state.js';

/** What the waits need: the function, who "we" are, and a look at a revision's pods. */
export interface WaitDeps {
  knative: Knative;
  ref: FunctionRef;
  owner: Owner;
  /** Looks at a revision's pods while it is not ready, so one that cannot start fails in seconds. */
  diagnose?: RevisionDiagnosis;
}

/** Why a rollout stopped: ours to roll back (gate, revision, timeout, interrupt) or someone else's doing. */
export class Stop extends Error {
  constructor(
    readonly kind: 'gate' | 'revisionFailed' | 'timeout' | 'interrupted' | 'external',
    message: string,
    readonly gate?: GateResult,
  ) {
    super(message);
  }
}

export function interrupted(): Stop {
  return new Stop('interrupted', 'interrupted (Ctrl-C)');
}

export async function readFunction(deps: Pick<WaitDeps, 'knative' | 'ref'>): Promise<DeployedFunction> {
  const fn = await deps.knative.get(deps.ref);
  if (!fn) throw functionNotFound(deps.ref);
  return fn;
}

/** A Stop when the function's rollout is no longer this process's running one. */
export function ownershipLost(fn: DeployedFunction, state: RolloutState, owner: Owner): Stop | undefined {
  let now: RolloutState | undefined;
  try {
    now = readState(fn);
  } catch {
    return new Stop('external', `the ${rolloutAnnotation} annotation on ${fn.name} was overwritten`);
  }
  if (!now || now.id !== state.id) return new Stop('external', `the rollout state on ${fn.name} was removed or replaced`);
  if (now.status === 'aborted') return new Stop('external', `the rollout was ${now.reason ?? 'aborted from another process'}`);
  if (now.status === 'promoted') return new Stop('external', `the rollout was ${now.reason ?? 'promoted from another process'}`);
  if (now.status !== 'running') return new Stop('external', `the rollout ended elsewhere (${now.status})`);
  if (now.owner.pid !== owner.pid || now.owner.host !== owner.host) return new Stop('external', `the rollout was taken over by ${ownerLabel(now.owner)}`);
  return undefined;
}

/**
 * One watch of the function (the port's watchUntil) until `decide` says something for a state of it,
 * for at most `boundMs`. A Stop it says is thrown; `decided` is undefined when the bound passed.
 */
async function watchFunction<T>(deps: WaitDeps, from: DeployedFunction, boundMs: number, signal: AbortSignal, decide: (fn: DeployedFunction) => T | Stop | undefined): Promise<{fn: DeployedFunction; decided?: T}> {
  if (signal.aborted) throw interrupted();
  let fn: DeployedFunction;
  try {
    ({fn} = await deps.knative.watchUntil(from, (f) => decide(f) !== undefined, {timeoutSeconds: boundMs / 1000, signal}));
  } catch (e) {
    if (signal.aborted) throw interrupted();
    throw e;
  }
  const decided = decide(fn);
  if (decided instanceof Stop) throw decided;
  return {fn, ...(decided === undefined ? {} : {decided})};
}

/**
 * Whether the function's status tells the canary's readiness: it is the revision the function makes
 * now (its template names it; a server-named one: it is the latest created). Else (rollout --revision
 * of an older one) only the Revision itself does.
 */
function shownByFunction(fn: DeployedFunction, name: string): boolean {
  const named = fn.template?.metadata.name;
  return named ? named === name : fn.latestCreatedRevisionName === name;
}

/** Until the canary revision is Ready; a failed revision (or one whose pods cannot start) stops the rollout with its reason. */
export async function waitRevisionReady(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<DeployedFunction> {
  const name = state.canary.revisionName!;
  const lost = ownershipLost(fn, state, deps.owner);
  if (lost) throw lost;
  // Usually already Ready (every step after the first): then nothing is asked, nothing is watched.
  if (shownByFunction(fn, name)) {
    if (deployOutcome(fn, name) === 'ready') return fn;
  } else {
    const revision = await deps.knative.revision(deps.ref.namespace, name);
    if (revisionOutcome(revision) === 'ready') return fn;
    if (revisionOutcome(revision) === 'failed') throw revisionFailed(name, revision!);
  }
  const timeoutMs = state.settings.timeoutMs;
  // The bound is real time, as the port's watches are: what one watch used is not the next one's.
  const deadline = Date.now() + timeoutMs;
  try {
    return await waitWatchingPods(deps.diagnose, deps.ref.namespace, [name], signal, async (watching) => {
      if (shownByFunction(fn, name)) {
        const {fn: seen, decided} = await watchFunction(deps, fn, timeoutMs, watching, (f) => {
          const lost = ownershipLost(f, state, deps.owner);
          if (lost) return lost;
          if (!shownByFunction(f, name)) return 'superseded' as const;
          const outcome = deployOutcome(f, name);
          return outcome === 'pending' ? undefined : outcome;
        });
        if (decided === 'ready') return seen;
        if (decided === 'failed') throw await failedOnFunction(deps, seen, name);
        if (decided === undefined) throw notReadyInTime(name, seen.latestCreatedRevisionName === name, timeoutMs);
        // Someone made a newer revision meanwhile: from here only the canary's own Revision tells.
        fn = seen;
      }
      return await watchRevision(deps, fn, state, name, Math.max(0, deadline - Date.now()), watching);
    });
  } catch (e) {
    if (e instanceof DiagnosedFailure) throw await failedInPods(deps, e);
    throw e;
  }
}

/**
 * The canary's own Revision watched (the port's watchRevisionUntil) beside a watch of the function for
 * an abort, promote or take-over: whichever ends first ends the other.
 */
async function watchRevision(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, name: string, boundMs: number, signal: AbortSignal): Promise<DeployedFunction> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  let first: 'function' | 'revision' | undefined;
  let seen: RevisionInfo | undefined;
  const ended = (which: 'function' | 'revision') => () => {
    first ??= which;
    stop.abort();
  };
  const [ours, own] = await Promise.allSettled([
    watchFunction(deps, fn, boundMs, both, (f) => ownershipLost(f, state, deps.owner)).finally(ended('function')),
    deps.knative.watchRevisionUntil(deps.ref.namespace, name, (r) => revisionOutcome((seen = r)) !== 'pending', {timeoutSeconds: boundMs / 1000, signal: both}).finally(ended('revision')),
  ]);
  if (signal.aborted) throw interrupted();
  // The one that ended first decides; the other was stopped by it.
  const decisive = first === 'function' ? ours : own;
  if (decisive.status === 'rejected') throw decisive.reason;
  if (own.status === 'fulfilled' && first === 'revision' && !own.value.timedOut) {
    const revision = own.value.revision!;
    if (revisionOutcome(revision) === 'failed') throw revisionFailed(name, revision);
    return ours.status === 'fulfilled' ? ours.value.fn : fn;
  }
  throw notReadyInTime(name, seen !== undefined, state.settings.timeoutMs);
}

function notReadyInTime(name: string, exists: boolean, timeoutMs: number): Stop {
  return new Stop('timeout', `revision ${name} ${exists ? 'was not Ready' : 'did not appear'} within ${formatDuration(timeoutMs)}`);
}

function revisionFailed(name: string, revision: Pick<RevisionInfo, 'reason' | 'message'>): Stop {
  return new Stop('revisionFailed', `revision ${name} failed: ${[revision.reason, revision.message].filter(Boolean).join(': ') || 'Ready=False'}`);
}

/** The function says the canary failed: the Revision's own reason (one read), else the condition that failed. */
async function failedOnFunction(deps: WaitDeps, fn: DeployedFunction, name: string): Promise<Stop> {
  const revision = await deps.knative.revision(deps.ref.namespace, name).catch(() => undefined);
  if (revision?.ready === 'False') return revisionFailed(name, revision);
  return new Stop('revisionFailed', `revision ${name} did not become Ready: ${describeCondition(failingCondition(fn))}`);
}

/** The canary's pods cannot start: Knative's own reason when it has one by now, else what the pods say. */
async function failedInPods(deps: WaitDeps, e: DiagnosedFailure): Promise<Stop> {
  const revision = await deps.knative.revision(deps.ref.namespace, e.revision).catch(() => undefined);
  if (revision?.ready === 'False') return revisionFailed(e.revision, revision);
  const tail = e.failure.logTail?.length ? `\nlast log lines:\n${e.failure.logTail.map((l) => `  | ${l}`).join('\n')}` : '';
  return revisionFailed(e.revision, {reason: e.failure.reason, message: `${e.failure.message}${tail}`});
}

function failingCondition(fn: DeployedFunction): Condition | undefined {
  return fn.conditions.find((c) => c.type !== 'Ready' && c.status === 'False') ?? condition(fn.conditions, 'Ready');
}

function describeCondition(c: Condition | undefined): string {
  if (!c) return 'no status reported yet';
  return `${c.type} ${[c.reason ?? c.status, c.message].filter(Boolean).join(': ')}`;
}

/** A Stop when the route failed (core/readiness.ts trafficOutcome), saying what it did not do. */
function routeFailed(fn: DeployedFunction, what: string): Stop | undefined {
  if (trafficOutcome(fn) !== 'failed') return undefined;
  const routes = condition(fn.conditions, 'RoutesReady') ?? condition(fn.conditions, 'Ready');
  return new Stop('revisionFailed', `${what}: ${[routes?.reason, routes?.message].filter(Boolean).join(': ')}`);
}

/** Until an image write has made a new revision: its name. */
export async function waitNewRevision(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<{fn: DeployedFunction; revisionName: string}> {
  const known = new Set(state.prior.map((t) => t.revisionName));
  const {fn: seen, decided} = await watchFunction(deps, fn, state.settings.timeoutMs, signal, (f) => {
    const lost = ownershipLost(f, state, deps.owner);
    if (lost) return lost;
    const created = f.latestCreatedRevisionName;
    if (created && !known.has(created) && f.observed) return created;
    if (deployOutcome(f) === 'failed') return new Stop('revisionFailed', `the new revision was not created: ${describeCondition(failingCondition(f))}`);
    return undefined;
  });
  if (decided === undefined) throw new Stop('timeout', `the new revision of ${fn.name} was not created within ${formatDuration(state.settings.timeoutMs)}`);
  return {fn: seen, revisionName: decided};
}

/** The URL the health check calls: --check-url, else the canary tag's URL (once the route has it). */
export async function waitCheckUrl(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<string | undefined> {
  const check = state.settings.check;
  if (check.kind === 'command') return tagUrl(fn, state);
  if (check.url) return joinUrl(check.url, check.path);
  if (!state.canary.tag) throw new Stop('gate', 'the canary has no tag, so it has no URL of its own to check: pass --tag or --check-url');
  const {decided: url} = await watchFunction(deps, fn, state.settings.timeoutMs, signal, (f) => ownershipLost(f, state, deps.owner) ?? tagUrl(f, state) ?? routeFailed(f, `the route did not publish a URL for tag ${state.canary.tag}`));
  if (url === undefined) throw new Stop('timeout', `the route did not publish a URL for tag ${state.canary.tag} within ${formatDuration(state.settings.timeoutMs)}`);
  return joinUrl(url, check.path);
}

function tagUrl(fn: DeployedFunction, state: RolloutState): string | undefined {
  return fn.statusTraffic.find((t) => t.tag === state.canary.tag && t.revisionName === state.canary.revisionName && t.url)?.url;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** Until the route serves what spec.traffic says (core/readiness.ts trafficOutcome) at the written generation. */
export async function waitTrafficSettled(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, traffic: TrafficTarget[], signal: AbortSignal): Promise<DeployedFunction> {
  const {fn: seen, decided} = await watchFunction(deps, fn, state.settings.timeoutMs, signal, (f) => {
    // A rollout that has ended (the rollback's own write) has no owner to lose.
    const lost = state.status === 'running' ? ownershipLost(f, state, deps.owner) : undefined;
    return lost ?? routeFailed(f, 'the route did not take the new split') ?? (trafficOutcome(f) === 'ready' ? ('settled' as const) : undefined);
  });
  if (decided === undefined) throw new Stop('timeout', `the route did not serve ${describeTraffic(traffic)} within ${formatDuration(state.settings.timeoutMs)}`);
  return seen;
}

/** The interval between steps: a watch of the function bounded by it, which an abort, promote or take-over elsewhere ends early. */
export async function watchfulSleep(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<DeployedFunction> {
  if (state.settings.intervalMs <= 0) return fn;
  // The bound passing is the interval's normal end.
  return (await watchFunction(deps, fn, state.settings.intervalMs, signal, (f) => ownershipLost(f, state, deps.owner))).fn;
}
