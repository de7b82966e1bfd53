// What another shell or CI job can do to a rollout: look at it, abort it (prior split back) or promote
// it (canary to 100%). Each is one write of traffic + state guarded by resourceVersion, so it wins or
// loses cleanly against the process driving the steps, which notices and stops.
import {FnError, isFnError} from '../errors.js';
import {blockAt, noRollout, ownerLabel, readState, restoreBlock, type Owner} from './engine.js';
import {conflictCode, type RolloutCluster, type RoutedTarget} from './ports.js';
import type {TrafficTarget} from './split.js';
import {isFinal, rolloutAnnotation, serializeState, type RolloutState} from './state.js';

export interface RolloutStatusView {
  service: string;
  namespace: string;
  rollout?: RolloutState;
  /** Whether the owner process still runs: known only on the owner's host. */
  ownerAlive?: boolean;
  traffic: RoutedTarget[];
}

export async function rolloutStatus(cluster: RolloutCluster, service: string, host: string, alive: (owner: Owner) => boolean): Promise<RolloutStatusView> {
  const svc = await cluster.getService(service);
  const rollout = readState(svc);
  return {
    service,
    namespace: cluster.namespace,
    ...(rollout ? {rollout} : {}),
    ...(rollout && !isFinal(rollout) && rollout.owner.host === host ? {ownerAlive: alive(rollout.owner)} : {}),
    traffic: svc.statusTraffic,
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
export function abortRollout(cluster: RolloutCluster, service: string, by: Owner, now: () => number): Promise<ControlResult> {
  return endRollout(cluster, service, 'aborted', by, now, (state) => restoreBlock(state));
}

/** Move all traffic to the canary now, skipping the remaining steps and gates. */
export function promoteRollout(cluster: RolloutCluster, service: string, by: Owner, now: () => number): Promise<ControlResult> {
  return endRollout(cluster, service, 'promoted', by, now, (state, svc) => {
    if (!state.canary.revisionName) {
      throw new FnError('ROLLOUT_NO_CANARY', 'notReady', `the canary revision of ${service} has not been created yet, so it cannot be promoted`, {
        suggestion: `abort it instead: fn rollout abort ${service}`,
      });
    }
    return blockAt(state, 100, svc);
  });
}

async function endRollout(
  cluster: RolloutCluster,
  service: string,
  status: 'aborted' | 'promoted',
  by: Owner,
  now: () => number,
  trafficFor: (state: RolloutState, svc: Awaited<ReturnType<RolloutCluster['getService']>>) => TrafficTarget[],
): Promise<ControlResult> {
  for (let attempt = 0; ; attempt++) {
    const svc = await cluster.getService(service);
    const state = readState(svc);
    if (!state) throw noRollout(service);
    if (isFinal(state)) {
      throw new FnError('ROLLOUT_FINISHED', 'conflict', `the rollout of ${service} has already ended (${state.status}${state.reason ? `: ${state.reason}` : ''})`, {
        suggestion: `see fn rollout status ${service}`,
      });
    }
    const traffic = trafficFor(state, svc);
    const ended: RolloutState = {...state, status, reason: `${status} by ${ownerLabel(by)}`, updatedAt: new Date(now()).toISOString()};
    try {
      await cluster.writeService(service, {resourceVersion: svc.resourceVersion, traffic, annotations: {[rolloutAnnotation]: serializeState(ended)}});
      return {service, status, ...(state.canary.revisionName ? {canary: state.canary.revisionName} : {}), traffic, rollout: ended};
    } catch (e) {
      // The driving process (or the controller) wrote in between: read again and decide again.
      if (!(isFnError(e) && e.code === conflictCode) || attempt >= 4) throw e;
    }
  }
}
