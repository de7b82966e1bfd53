// The rollout's state, kept on the Service itself (annotation fn.dev/rollout) so any shell or CI job
// can see it, abort it, promote it or resume it, and so a write of traffic and state is one update that
// the API server guards with resourceVersion (two processes can never both move traffic).
import {FnError} from '../errors.js';
import type {DeployedFunction} from '../ports.js';
import type {TrafficTarget} from '../traffic.js';
import {recordChange} from '../traffic-history.js';
import type {GateResult} from './gate.js';
import type {PinnedTarget} from './split.js';

export const rolloutAnnotation = 'fn.dev/rollout';
export const stateVersion = 1;

/** running: someone drives (or drove, if the owner died) the steps. The others are final. */
export type RolloutStatus = 'running' | 'succeeded' | 'rolledBack' | 'aborted' | 'promoted';
export const finalStatuses: readonly RolloutStatus[] = ['succeeded', 'rolledBack', 'aborted', 'promoted'];

/** How the gate measures health. A --check-cmd is not stored (it may carry secrets): resume asks again. */
export type CheckSpec = {kind: 'http'; path: string; url?: string} | {kind: 'command'};

export interface RolloutSettings {
  intervalMs: number;
  requests: number;
  maxErrorRate: number;
  maxP95Ms: number;
  timeoutMs: number;
  keepTag: boolean;
  check: CheckSpec;
}

export interface GateRecord extends Omit<GateResult, 'sampleErrors'> {
  /** Index into steps of the step this gate guarded (stored state: indexes; events: 1-based numbers). */
  step: number;
  at: string;
}

export interface RolloutState {
  version: number;
  id: string;
  canary: {revisionName?: string; tag?: string; image?: string};
  /** The split before the rollout, every @latest pinned: what a rollback writes back. */
  prior: PinnedTarget[];
  /** The prior block routed by @latest: the final block does too, so later deploys keep flowing. */
  followLatest: boolean;
  steps: number[];
  /** Index of the last step applied; -1 while the canary is still at 0%. */
  step: number;
  status: RolloutStatus;
  settings: RolloutSettings;
  owner: Owner;
  startedAt: string;
  updatedAt: string;
  /** Why the rollout ended when it did not succeed. */
  reason?: string;
  lastGate?: GateRecord;
}

/** The process driving a rollout. */
export interface Owner {
  pid: number;
  host: string;
}

export function ownerLabel(owner: Owner): string {
  return `pid ${owner.pid} on ${owner.host}`;
}

/** The rollout recorded on the function, if any. */
export function readState(fn: Pick<DeployedFunction, 'name' | 'annotations'>): RolloutState | undefined {
  const text = fn.annotations[rolloutAnnotation];
  return text === undefined ? undefined : parseState(fn.name, text);
}

export function describeState(state: RolloutState): string {
  const canary = state.canary.revisionName ?? state.canary.image ?? 'a new revision';
  const where = state.step < 0 ? 'at 0%' : `step ${state.step + 1}/${state.steps.length}, ${canaryPercent(state)}%`;
  return `${canary} ${state.status}, ${where}, owner ${ownerLabel(state.owner)}${state.reason ? `: ${state.reason}` : ''}`;
}

export function noRollout(service: string): FnError {
  return new FnError('ROLLOUT_NOT_FOUND', 'notFound', `${service} has no rollout (no ${rolloutAnnotation} annotation)`, {
    suggestion: `start one with fn rollout ${service} --image NEW_IMAGE`,
  });
}

/**
 * The traffic history (fn.dev/traffic-history, what fn rollback undoes) to write with the write that
 * ends a rollout at `traffic`. The rollout is one change, from the split before it (`prior`) to where
 * it ends: promoted to 100%, one entry, so a plain fn rollback puts the pre-rollout split back. Rolled
 * back or aborted, it ends where it began and changed nothing that serves: nothing is pushed, and the
 * history stays as before the rollout (fn rollback then undoes the change before it, as if the
 * rollout had not been).
 */
export function endingHistory(current: DeployedFunction, state: RolloutState, traffic: TrafficTarget[], at: string): Record<string, string | null> {
  // @latest in a final block is the canary (split.ts finalBlock); the prior split is pinned.
  return recordChange(current, traffic, {by: 'rollout', at, from: state.prior, ...(state.canary.revisionName ? {latest: state.canary.revisionName} : {})});
}

/** The annotation's value; a state that would not parse back is a bug, caught before it is written. */
export function serializeState(state: RolloutState): string {
  const text = JSON.stringify(state);
  const problem = stateProblem(JSON.parse(text));
  if (problem) throw new FnError('ROLLOUT_STATE_BUG', 'unexpected', `fn was about to write a rollout state it could not read back: ${problem}`);
  return text;
}

/** Parse and check the annotation; a hand-edited or foreign value fails with how to clear it. */
export function parseState(service: string, text: string): RolloutState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(service, 'it is not JSON');
  }
  const problem = stateProblem(value);
  if (problem) throw invalid(service, problem);
  return value as RolloutState;
}

export function isFinal(state: RolloutState): boolean {
  return finalStatuses.includes(state.status);
}

/** The percent the canary has now. */
export function canaryPercent(state: RolloutState): number {
  return state.step < 0 ? 0 : state.steps[state.step];
}

function invalid(service: string, why: string): FnError {
  return new FnError('ROLLOUT_STATE_INVALID', 'usage', `the ${rolloutAnnotation} annotation on ${service} is not a rollout fn understands: ${why}`, {
    suggestion: `check the service's traffic by hand, then remove it: kubectl annotate ksvc ${service} ${rolloutAnnotation}-`,
  });
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The first thing wrong with a parsed state, or undefined when it is a valid one. */
export function stateProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'it is not an object';
  if (v.version !== stateVersion) return `version ${JSON.stringify(v.version)} is not ${stateVersion}`;
  if (!isString(v.id)) return 'id is missing';
  if (!isObject(v.canary)) return 'canary is missing';
  for (const key of ['revisionName', 'tag', 'image']) {
    if (v.canary[key] !== undefined && !isString(v.canary[key])) return `canary.${key} is not a string`;
  }
  if (!Array.isArray(v.prior) || v.prior.length === 0) return 'prior (the split to restore) is missing';
  for (const t of v.prior) {
    if (!isObject(t) || !isString(t.revisionName) || !isNumber(t.percent) || (t.tag !== undefined && !isString(t.tag))) {
      return `prior entry ${JSON.stringify(t)} is not {revisionName, percent, tag?}`;
    }
  }
  const priorSum = v.prior.reduce((a: number, t: any) => a + t.percent, 0);
  if (priorSum !== 100) return `prior percents sum to ${priorSum}, not 100`;
  if (typeof v.followLatest !== 'boolean') return 'followLatest is not a boolean';
  if (!Array.isArray(v.steps) || v.steps.length === 0 || !v.steps.every((s: unknown) => Number.isInteger(s) && (s as number) >= 1 && (s as number) <= 100)) {
    return 'steps is not a list of percentages';
  }
  if (!Number.isInteger(v.step) || v.step < -1 || v.step >= v.steps.length) return `step ${JSON.stringify(v.step)} is outside the steps`;
  if (!finalStatuses.includes(v.status) && v.status !== 'running') return `status ${JSON.stringify(v.status)} is unknown`;
  const s = v.settings;
  if (!isObject(s)) return 'settings is missing';
  for (const key of ['intervalMs', 'requests', 'maxErrorRate', 'maxP95Ms', 'timeoutMs']) {
    if (!isNumber(s[key]) || s[key] < 0) return `settings.${key} is not a number`;
  }
  if (typeof s.keepTag !== 'boolean') return 'settings.keepTag is not a boolean';
  if (!isObject(s.check) || (s.check.kind !== 'http' && s.check.kind !== 'command')) return 'settings.check is not http or command';
  if (s.check.kind === 'http' && typeof s.check.path !== 'string') return 'settings.check.path is missing';
  if (!isObject(v.owner) || !isNumber(v.owner.pid) || typeof v.owner.host !== 'string') return 'owner is not {pid, host}';
  if (!isString(v.startedAt) || !isString(v.updatedAt)) return 'startedAt/updatedAt are missing';
  return undefined;
}
