// What the rollout driver waits for between writes — the canary Ready, its tag URL published, the
// route serving a split, the interval between steps — each re-reading the function on the clock and
// stopping as soon as the rollout is no longer this process's (aborted, promoted, taken over).
import {functionNotFound} from '../errors.js';
import type {Clock} from '../clock.js';
import type {DeployedFunction, FunctionRef, Knative, RevisionInfo} from '../ports.js';
import {condition} from '../knative.js';
import {describeTraffic, trafficSettled, type TrafficTarget} from '../traffic.js';
import {formatDuration} from '../flag-values.js';
import type {GateResult} from './gate.js';
import {ownerLabel, readState, rolloutAnnotation, type Owner, type RolloutState} from './state.js';

/** What the waits need: the function, the clock, and who "we" are. */
export interface WaitDeps {
  knative: Knative;
  ref: FunctionRef;
  clock: Clock;
  owner: Owner;
  /** How often waits re-read the function (default 500 ms). */
  pollMs?: number;
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

/** Sleep one poll, fail at the deadline, re-read the function. */
async function tick(deps: WaitDeps, deadline: number, signal: AbortSignal, timeoutMessage: string): Promise<DeployedFunction> {
  if (deps.clock.now() >= deadline) throw new Stop('timeout', timeoutMessage);
  await deps.clock.sleep(Math.min(deps.pollMs ?? 500, Math.max(0, deadline - deps.clock.now())), signal);
  if (signal.aborted) throw interrupted();
  return readFunction(deps);
}

/** Until the canary revision is Ready; a failed revision stops the rollout with its reason. */
export async function waitRevisionReady(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal, read: (name: string) => Promise<RevisionInfo | undefined>): Promise<DeployedFunction> {
  const name = state.canary.revisionName!;
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    const lost = ownershipLost(fn, state, deps.owner);
    if (lost) throw lost;
    const revision = await read(name);
    // Missing: just deployed and not created yet (or deleted: then the deadline says so).
    if (revision?.ready === 'True') return fn;
    if (revision?.ready === 'False') throw new Stop('revisionFailed', `revision ${name} failed: ${[revision.reason, revision.message].filter(Boolean).join(': ') || 'Ready=False'}`);
    fn = await tick(deps, deadline, signal, `revision ${name} ${revision ? 'was not Ready' : 'did not appear'} within ${formatDuration(state.settings.timeoutMs)}`);
  }
}

/** Until an image write has made a new revision: its name. */
export async function waitNewRevision(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<{fn: DeployedFunction; revisionName: string}> {
  const known = new Set(state.prior.map((t) => t.revisionName));
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    const lost = ownershipLost(fn, state, deps.owner);
    if (lost) throw lost;
    const created = fn.latestCreatedRevisionName;
    if (created && !known.has(created) && fn.observed) return {fn, revisionName: created};
    const failed = fn.conditions.find((c) => c.type === 'ConfigurationsReady' && c.status === 'False');
    if (failed && fn.observed) throw new Stop('revisionFailed', `the new revision was not created: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim());
    fn = await tick(deps, deadline, signal, `the new revision of ${fn.name} was not created within ${formatDuration(state.settings.timeoutMs)}`);
  }
}

/** The URL the health check calls: --check-url, else the canary tag's URL (once the route has it). */
export async function waitCheckUrl(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, signal: AbortSignal): Promise<string | undefined> {
  const check = state.settings.check;
  if (check.kind === 'command') return tagUrl(fn, state);
  if (check.url) return joinUrl(check.url, check.path);
  if (!state.canary.tag) throw new Stop('gate', 'the canary has no tag, so it has no URL of its own to check: pass --tag or --check-url');
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    const url = tagUrl(fn, state);
    if (url) return joinUrl(url, check.path);
    fn = await tick(deps, deadline, signal, `the route did not publish a URL for tag ${state.canary.tag} within ${formatDuration(state.settings.timeoutMs)}`);
    const lost = ownershipLost(fn, state, deps.owner);
    if (lost) throw lost;
  }
}

function tagUrl(fn: DeployedFunction, state: RolloutState): string | undefined {
  return fn.statusTraffic.find((t) => t.tag === state.canary.tag && t.revisionName === state.canary.revisionName && t.url)?.url;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** Until the route serves what spec.traffic says (core/traffic.ts trafficSettled) at the written generation. */
export async function waitTrafficSettled(deps: WaitDeps, fn: DeployedFunction, state: RolloutState, traffic: TrafficTarget[], signal: AbortSignal): Promise<DeployedFunction> {
  const deadline = deps.clock.now() + state.settings.timeoutMs;
  for (;;) {
    if (fn.observed) {
      if (trafficSettled(fn)) return fn;
      const routes = condition(fn.conditions, 'RoutesReady');
      if (routes?.status === 'False') throw new Stop('revisionFailed', `the route did not take the new split: ${[routes.reason, routes.message].filter(Boolean).join(': ')}`);
    }
    fn = await tick(deps, deadline, signal, `the route did not serve ${describeTraffic(traffic)} within ${formatDuration(state.settings.timeoutMs)}`);
    if (state.status === 'running') {
      const lost = ownershipLost(fn, state, deps.owner);
      if (lost) throw lost;
    }
  }
}

/** The interval between steps, re-reading the function so an abort or promote elsewhere ends it early. */
export async function watchfulSleep(deps: WaitDeps, state: RolloutState, signal: AbortSignal): Promise<void> {
  const until = deps.clock.now() + state.settings.intervalMs;
  for (;;) {
    const left = until - deps.clock.now();
    if (left <= 0) return;
    await deps.clock.sleep(Math.min(left, deps.pollMs ?? 500), signal);
    if (signal.aborted) throw interrupted();
    const lost = ownershipLost(await readFunction(deps), state, deps.owner);
    if (lost) throw lost;
  }
}
