// What a rollout needs from the outside world: the Service (read, and one guarded write of traffic +
// state + optional image), a Revision's readiness, a health check and a clock. The Knative adapter and
// the health adapters implement these; unit tests use in-memory ones.
import type {GateResult} from './gate.js';
import type {TrafficTarget} from './split.js';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** status.traffic entries: resolved revision names and, for tags, their URL. */
export interface RoutedTarget {
  revisionName?: string;
  latestRevision?: boolean;
  percent?: number;
  tag?: string;
  url?: string;
}

export interface ServiceSnapshot {
  name: string;
  namespace: string;
  resourceVersion: string;
  /** Every controller has seen the latest spec (observedGeneration == generation). */
  observed: boolean;
  annotations: Record<string, string>;
  /** spec.traffic as written. */
  traffic: TrafficTarget[];
  /** Image of the template's first container. */
  image?: string;
  latestCreatedRevisionName?: string;
  latestReadyRevisionName?: string;
  url?: string;
  statusTraffic: RoutedTarget[];
  conditions: Condition[];
}

export interface RevisionSnapshot {
  name: string;
  ready: Condition['status'];
  reason?: string;
  message?: string;
}

export interface ServiceWrite {
  /** The write fails with FnError code STALE_OBJECT when the Service changed since this version. */
  resourceVersion: string;
  traffic: TrafficTarget[];
  /** Annotations to set (string) or remove (null). */
  annotations: Record<string, string | null>;
}

export interface ImageDeploy {
  resourceVersion: string;
  /** The new image (registry/name@sha256:…): a new template, so a new revision. */
  image: string;
  /** Written with the template: the new revision at 0% under the tag, everything else pinned. */
  traffic: TrafficTarget[];
}

export interface RolloutCluster {
  readonly namespace: string;
  /** FnError notFound when there is no such Service. */
  getService(name: string): Promise<ServiceSnapshot>;
  writeService(name: string, change: ServiceWrite): Promise<ServiceSnapshot>;
  /** Deploy a new image (the rest of the template as fn deploy makes it), guarded like writeService. */
  deployImage(name: string, deploy: ImageDeploy): Promise<ServiceSnapshot>;
  /** undefined when the revision does not exist (yet). */
  getRevision(name: string): Promise<RevisionSnapshot | undefined>;
}

/** The code of the FnError a guarded write throws when the object changed since it was read. */
export const conflictCode = 'STALE_OBJECT';

export interface CheckTarget {
  /** URL of the canary's tag (or --check-url) joined with --check path. */
  url?: string;
  revisionName: string;
  /** The percent the canary would move to if the gate passes. */
  nextPercent: number;
  step: number;
}

export interface HealthCheck {
  /** Measures the canary and judges it; must stop promptly when `signal` aborts. */
  check(target: CheckTarget, signal: AbortSignal): Promise<GateResult>;
}

export interface Clock {
  now(): number;
  /** Resolves after ms, or early (without throwing) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, {once: true});
    }),
};
