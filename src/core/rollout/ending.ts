// How a rollout that stopped ends, decided once, without recursion: a stop of ours (failed gate or
// revision, timeout, Ctrl-C, an error) writes the prior split back and fails with exit 13; a stop
// caused by another process (abort, promote, take-over) reports what that process did. A rollback
// that finds the rollout no longer ours becomes the second kind.
import {ExitCode, FnError, functionNotFound, isFnError, STALE_OBJECT, type ExitCodeName} from '../errors.js';
import {describeTraffic, tagUrls} from '../traffic.js';
import type {RolloutEventBody} from './events.js';
import type {GateResult} from './gate.js';
import {restoreBlock} from './split.js';
import {endingHistory, readState, rolloutAnnotation, serializeState, type RolloutState} from './state.js';
import {ownershipLost, readFunction, Stop, waitTrafficSettled, type WaitDeps} from './waits.js';
import type {RolloutOutcome} from './engine.js';
import type {DeployedFunction} from '../ports.js';

export interface EndingDeps extends WaitDeps {
  now(): number;
  emit(body: RolloutEventBody): void;
}

/** What a stopped rollout does next. */
export type Ending =
  | {kind: 'rollBack'; reason: string; gate?: GateResult; /** An error that was no Stop: kept as the cause. */ cause?: unknown}
  | {kind: 'external'; message: string};

/** The ending for what stopped the rollout. */
export async function endingFor(deps: EndingDeps, state: RolloutState, error: unknown): Promise<Ending> {
  if (error instanceof Stop) return error.kind === 'external' ? {kind: 'external', message: error.message} : {kind: 'rollBack', reason: error.message, gate: error.gate};
  if (isFnError(error) && error.code === STALE_OBJECT) {
    // The port retried and still lost: someone else's doing when the rollout is no longer ours.
    const lost = ownershipLost(await readFunction(deps), state, deps.owner);
    return lost ? {kind: 'external', message: lost.message} : {kind: 'rollBack', reason: `${deps.ref.name} kept changing under the rollout (write conflicts)`};
  }
  // Anything else mid-rollout (cluster unreachable, write rejected, a bug): still put the prior split back.
  return {kind: 'rollBack', reason: error instanceof Error ? error.message : String(error), cause: error};
}

/** End a rollout that stopped on `error`: roll back, or report another process's doing. Never returns normally for a rollback. */
export async function endStoppedRollout(deps: EndingDeps, state: RolloutState, error: unknown): Promise<RolloutOutcome> {
  let ending = await endingFor(deps, state, error);
  if (ending.kind === 'rollBack') {
    let lost: Stop | undefined;
    try {
      lost = await writeBack(deps, state, ending.reason);
    } catch (rollbackError) {
      if (ending.cause === undefined) throw rollbackError;
      // The state stays `running`, for fn rollout abort or resume once the cluster answers.
      const cause = ending.cause;
      throw new FnError(isFnError(cause) ? cause.code : 'ROLLOUT_FAILED', isFnError(cause) ? exitNameOf(cause) : 'unexpected', `${ending.reason} (and the rollback failed too: ${rollbackError instanceof Error ? rollbackError.message : rollbackError})`, {
        suggestion: `put the prior split back with fn rollout abort ${deps.ref.name} once the cluster answers`,
        cause,
      });
    }
    if (!lost) throw rolledBack(deps, state, ending);
    ending = {kind: 'external', message: lost.message};
  }
  return reportExternal(deps, state, ending.message);
}

/** Write the prior split back with the state rolledBack; a Stop (not thrown) when the rollout was no longer ours. */
async function writeBack(deps: EndingDeps, state: RolloutState, reason: string): Promise<Stop | undefined> {
  deps.emit({event: 'rollingBack', step: state.step + 2, reason});
  const traffic = restoreBlock(state);
  let ended: RolloutState | undefined;
  try {
    const {fn} = await deps.knative.update(deps.ref, (current) => {
      if (!current) throw functionNotFound(deps.ref);
      const lost = ownershipLost(current, state, deps.owner);
      if (lost) throw lost;
      const at = new Date(deps.now()).toISOString();
      ended = {...readState(current)!, status: 'rolledBack', reason, updatedAt: at};
      return {kind: 'traffic', traffic, annotations: {...endingHistory(current, state, traffic, at), [rolloutAnnotation]: serializeState(ended)}};
    });
    // Best effort: report, but do not hang on a route that no longer settles.
    await waitTrafficSettled(deps, fn!, ended!, traffic, new AbortController().signal).catch(() => undefined);
    return undefined;
  } catch (e) {
    if (e instanceof Stop && e.kind === 'external') return e;
    throw e;
  }
}

function rolledBack(deps: EndingDeps, state: RolloutState, ending: Extract<Ending, {kind: 'rollBack'}>): FnError {
  const service = deps.ref.name;
  const traffic = restoreBlock(state);
  const stepNumber = state.step + 2;
  const percent = state.steps[state.step + 1];
  return new FnError('ROLLOUT_ROLLED_BACK', 'rolledBack', `rolled back ${service} at step ${stepNumber}/${state.steps.length} (${percent}%): ${ending.reason}. Traffic is back to ${describeTraffic(traffic)}`, {
    suggestion: state.canary.revisionName ? `inspect the canary with: kubectl describe revision ${state.canary.revisionName}` : `see fn rollout status ${service}`,
    cause: ending.cause,
    details: {service, step: stepNumber, percent, reason: ending.reason, ...(ending.gate ? {gate: gateSummary(ending.gate)} : {}), traffic, canary: state.canary.revisionName},
  });
}

/** What a finished rollout's result says of the function: where it answers, and what was rolled out. */
export function outcomeOf(fn: DeployedFunction, state: RolloutState): Pick<RolloutOutcome, 'service' | 'namespace' | 'canary' | 'image' | 'url' | 'tags'> {
  const canary = state.canary.revisionName ?? '';
  const template = fn.template?.metadata.name === canary || fn.latestCreatedRevisionName === canary ? fn.template?.spec.containers[0]?.image : undefined;
  const image = state.canary.image ?? template;
  return {service: fn.name, namespace: fn.namespace, canary, ...(image ? {image} : {}), ...(fn.url ? {url: fn.url} : {}), tags: tagUrls(fn)};
}

/** Another process ended or took the rollout: a promote is a success, an abort or take-over is not. */
async function reportExternal(deps: EndingDeps, state: RolloutState, message: string): Promise<RolloutOutcome> {
  const service = deps.ref.name;
  const fresh = await readFunction(deps);
  const now = readState(fresh);
  if (now?.id === state.id && now.status === 'promoted') {
    return {event: 'done', ...outcomeOf(fresh, state), status: 'promoted', steps: state.steps, traffic: fresh.traffic, by: now.reason};
  }
  const aborted = now?.id === state.id && now.status === 'aborted';
  throw new FnError(aborted ? 'ROLLOUT_ABORTED' : 'ROLLOUT_TAKEN_OVER', aborted ? 'rolledBack' : 'conflict', message, {
    suggestion: `see fn rollout status ${service}`,
    details: {service, step: state.step + 2, rollout: now},
  });
}

export function gateSummary(gate: GateResult) {
  return {passed: gate.passed, requests: gate.requests, errors: gate.errors, errorRate: gate.errorRate, ...(gate.p95Ms === undefined ? {} : {p95Ms: gate.p95Ms}), failures: gate.failures};
}

function exitNameOf(e: FnError): ExitCodeName {
  return (Object.keys(ExitCode) as ExitCodeName[]).find((k) => ExitCode[k] === e.exitCode) ?? 'unexpected';
}
