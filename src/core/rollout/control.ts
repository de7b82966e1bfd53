// What another shell or CI job can do to a rollout: look at it, abort it (prior split back) or promote
// it (canary to 100%). Each is one guarded write of traffic + state through the Knative port, so it
// wins or loses cleanly against the process driving the steps, which notices and stops.
import {FnError, functionNotFound} from '../errors.js';
import type {DeployedFunction, FunctionRef, Knative} from '../ports.js';
import type {TrafficTarget} from '../traffic.js';
import {blockAt, restoreBlock} from './split.js';
import {endingHistory, isFinal, noRollout, ownerLabel, readState, rolloutAnnotation, serializeState, type Owner, type RolloutState} from './state.js';

export interface RolloutStatusView {
  service: string;
  namespace: string;
  rollout?: RolloutState;
  /** Whether the owner process still runs: known only on the owner's host. */
  ownerAlive?: boolean;
  traffic: TrafficTarget[];
}

export async function rolloutStatus(knative: Knative, ref: FunctionRef, host: string, alive: (owner: Owner) => boolean): Promise<RolloutStatusView> {
  const fn = await knative.get(ref);
  if (!fn) throw functionNotFound(ref);
  const rollout = readState(fn);
  return {
    service: ref.name,
    namespace: ref.namespace,
    ...(rollout ? {rollout} : {}),
    ...(rollout && !isFinal(rollout) && rollout.owner.host === host ? {ownerAlive: alive(rollout.owner)} : {}),
    traffic: fn.statusTraffic,
  };
}

export interface ControlResult {
  service: string;
  status: 'aborted' | 'promoted';
  canary?: string;
  traffic: TrafficTarget[];
  rollout: RolloutState;
}

/** Put the prior split back and mark the rollout aborted. */
export function abortRollout(knative: Knative, ref: FunctionRef, by: Owner, now: () => number): Promise<ControlResult> {
  return endRollout(knative, ref, 'aborted', by, now, (state) => restoreBlock(state));
}

/** Move all traffic to the canary now, skipping the remaining steps and gates. */
export function promoteRollout(knative: Knative, ref: FunctionRef, by: Owner, now: () => number): Promise<ControlResult> {
  return endRollout(knative, ref, 'promoted', by, now, (state, fn) => {
    if (!state.canary.revisionName) {
      throw new FnError('ROLLOUT_NO_CANARY', 'notReady', `the canary revision of ${ref.name} has not been created yet, so it cannot be promoted`, {
        suggestion: `abort it instead: fn rollout abort ${ref.name}`,
      });
    }
    return blockAt(state, 100, fn);
  });
}

async function endRollout(
  knative: Knative,
  ref: FunctionRef,
  status: 'aborted' | 'promoted',
  by: Owner,
  now: () => number,
  trafficFor: (state: RolloutState, fn: DeployedFunction) => TrafficTarget[],
): Promise<ControlResult> {
  let result: ControlResult | undefined;
  // The driving process (or the controller) may write in between: the port reads again and this decides again.
  await knative.update(ref, (fn) => {
    if (!fn) throw functionNotFound(ref);
    const state = readState(fn);
    if (!state) throw noRollout(ref.name);
    if (isFinal(state)) {
      throw new FnError('ROLLOUT_FINISHED', 'conflict', `the rollout of ${ref.name} has already ended (${state.status}${state.reason ? `: ${state.reason}` : ''})`, {
        suggestion: `see fn rollout status ${ref.name}`,
      });
    }
    const traffic = trafficFor(state, fn);
    const at = new Date(now()).toISOString();
    const ended: RolloutState = {...state, status, reason: `${status} by ${ownerLabel(by)}`, updatedAt: at};
    result = {service: ref.name, status, ...(state.canary.revisionName ? {canary: state.canary.revisionName} : {}), traffic, rollout: ended};
    return {kind: 'traffic', traffic, annotations: {...endingHistory(fn, state, traffic, at), [rolloutAnnotation]: serializeState(ended)}};
  });
  return result!;
}
