// Why a revision can never become ready, read from its pods, their events and its Deployment — the
// same facts `kubectl describe pod` shows. Knative itself reports a pod that waits (ImagePullBackOff)
// only after its progress deadline (10 minutes by default), and a readiness probe that keeps failing
// never; fn looks at the pods while it waits so that such a deploy fails in seconds, saying why.
// Pure: the adapter (adapters/knative/pods.ts) feeds it what the API server says.
import {FnError} from './errors.js';
import {compareText} from './text-order.js';

// ---- the Kubernetes shapes this reads (only the fields used) ---------------------------------------

export interface ContainerState {
  waiting?: {reason?: string; message?: string};
  running?: {startedAt?: string};
  terminated?: {exitCode: number; reason?: string; message?: string; finishedAt?: string};
}
export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}
export interface PodView {
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: string; deletionTimestamp?: string; resourceVersion?: string};
  spec?: {containers?: Array<{name: string; image?: string; ports?: Array<{containerPort: number}>; env?: Array<{name: string; value?: string}>}>};
  status?: {
    phase?: string;
    conditions?: Array<{type: string; status: string; reason?: string; message?: string}>;
    containerStatuses?: ContainerStatus[];
  };
}
export interface KubeEvent {
  metadata: {name: string; creationTimestamp?: string; resourceVersion?: string};
  involvedObject: {kind?: string; name?: string};
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
}
export interface DeploymentView {
  metadata: {name: string; resourceVersion?: string};
  status?: {conditions?: Array<{type: string; status: string; reason?: string; message?: string}>};
}

export interface RevisionFailure {
  /** ImagePullBackOff, ErrImagePull, ExitCode1, CrashLoopBackOff, ReadinessProbeFailed, FailedCreate, … */
  reason: string;
  message: string;
  pod?: string;
  exitCode?: number;
  /** The container's last log lines, when it exited. */
  logTail?: string[];
  /** The port Knative sends requests to (PORT), when the probe fails. */
  port?: number;
  image?: string;
}

/**
 * Watches a revision's pods while something waits for it: resolves with the failure once one shows,
 * or undefined when the signal aborts. Implemented by adapters/knative/pods.ts.
 */
export type RevisionDiagnosis = (namespace: string, revision: string, signal: AbortSignal) => Promise<RevisionFailure | undefined>;

export interface PodVerdict {
  failure?: RevisionFailure;
  /** Look again at this time (ms) even if nothing changes: the readiness probe's grace period ends. */
  recheckAt?: number;
}

/** How long a running container may fail its readiness probe before fn calls it failed. */
export const PROBE_GRACE_MS = 20_000;
/** Look again this often once the grace period is over but no probe failure was recorded yet. */
const PROBE_RECHECK_MS = 5_000;

const QUEUE_PROXY = 'queue-proxy';

/** The function's container: the pod's one that is not Knative's sidecar. */
export function userContainer(pod: PodView): string | undefined {
  return pod.spec?.containers?.find((c) => c.name !== QUEUE_PROXY)?.name ?? pod.status?.containerStatuses?.find((c) => c.name !== QUEUE_PROXY)?.name;
}

/** The port Knative sends requests to: the container's PORT, which Knative sets to its containerPort. */
export function expectedPort(pod: PodView): number {
  const container = pod.spec?.containers?.find((c) => c.name === userContainer(pod));
  const env = Number(container?.env?.find((e) => e.name === 'PORT')?.value);
  return Number.isInteger(env) && env > 0 ? env : (container?.ports?.[0]?.containerPort ?? 8080);
}

/** Pull errors that retrying will not fix: the image or tag is missing, or access is refused. */
const PERMANENT_PULL = /not found|manifest unknown|name unknown|unauthorized|denied|forbidden|no such host|invalid reference|does not exist|repository .* not/i;

function lines(message: string | undefined): string[] {
  return (message ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
}

function exited(pod: PodView, terminated: NonNullable<ContainerState['terminated']>, restarting: boolean): RevisionFailure {
  const tail = lines(terminated.message).slice(-10);
  return {
    reason: restarting ? 'CrashLoopBackOff' : `ExitCode${terminated.exitCode}`,
    message: `the function's container exited with code ${terminated.exitCode}${terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : ''}${restarting ? ' and keeps crashing (CrashLoopBackOff)' : ''}`,
    pod: pod.metadata.name,
    exitCode: terminated.exitCode,
    ...(tail.length ? {logTail: tail} : {}),
  };
}

/** The newest readiness-probe failure among a pod's events. */
function probeFailure(events: KubeEvent[]): KubeEvent | undefined {
  return events
    .filter((e) => e.reason === 'Unhealthy' && /readiness probe/i.test(e.message ?? ''))
    .sort((a, b) => compareText(b.lastTimestamp ?? b.eventTime ?? '', a.lastTimestamp ?? a.eventTime ?? ''))[0];
}

/**
 * One pod, with its events: failed (and why), or not yet — then maybe when to look again. `now` and
 * the grace period are passed in so the rule is testable without waiting.
 */
export function classifyPod(pod: PodView, events: KubeEvent[], now: number, graceMs = PROBE_GRACE_MS): PodVerdict {
  if (pod.metadata.deletionTimestamp) return {};
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return {failure: {reason: 'Unschedulable', message: `no node can run the pod: ${scheduled.message ?? 'unschedulable'}`, pod: pod.metadata.name}};
  }
  const name = userContainer(pod);
  const status = pod.status?.containerStatuses?.find((c) => c.name === name);
  if (!status) return {};
  const image = pod.spec?.containers?.find((c) => c.name === name)?.image;
  const waiting = status.state?.waiting;
  if (waiting?.reason && /^(ImagePullBackOff|ErrImagePull|InvalidImageName|ErrImageNeverPull)$/.test(waiting.reason)) {
    // A first ErrImagePull may be a registry hiccup that the retry fixes; a missing image is not.
    if (waiting.reason !== 'ErrImagePull' || PERMANENT_PULL.test(waiting.message ?? '')) {
      return {failure: {reason: waiting.reason, message: `the image cannot be pulled${image ? ` (${image})` : ''}: ${waiting.message ?? waiting.reason}`, pod: pod.metadata.name, ...(image ? {image} : {})}};
    }
    return {};
  }
  if (waiting?.reason && /^(CreateContainerConfigError|CreateContainerError|RunContainerError)$/.test(waiting.reason)) {
    return {failure: {reason: waiting.reason, message: `the container cannot start: ${waiting.message ?? waiting.reason}`, pod: pod.metadata.name}};
  }
  if (status.state?.terminated) return {failure: exited(pod, status.state.terminated, false)};
  if (status.lastState?.terminated) return {failure: exited(pod, status.lastState.terminated, waiting?.reason === 'CrashLoopBackOff' || (status.restartCount ?? 0) > 0)};
  const running = status.state?.running;
  if (running && !status.ready) {
    const since = Date.parse(running.startedAt ?? pod.metadata.creationTimestamp ?? '') || now;
    if (now - since < graceMs) return {recheckAt: since + graceMs};
    const probe = probeFailure(events);
    if (!probe) return {recheckAt: now + PROBE_RECHECK_MS};
    const port = expectedPort(pod);
    return {
      failure: {
        reason: 'ReadinessProbeFailed',
        message: `the container runs, but its readiness probe has kept failing for ${Math.round((now - since) / 1000)}s: ${probe.message?.trim()}. Knative sends requests to port ${port} (the PORT environment variable): the function must listen there`,
        pod: pod.metadata.name,
        port,
      },
    };
  }
  return {};
}

/**
 * Transient reconciler noise that is not a reason to give up: conflicts, timeouts, and the revision's own
 * Deployment "not found" (the reconciler reads it back before its cache has it; the next pass finds it —
 * seen in CI as a deploy and a rollout that failed on a revision that then became Ready).
 */
const TRANSIENT = /the object has been modified|please apply your changes to the latest version|not found in the lister|context deadline exceeded|connection refused|deployments?\.apps "[^"]*" not found/i;

/**
 * A Warning event about the revision or the objects Knative made for it that means it cannot become
 * ready: the Deployment could not be created (InternalError on the Revision), or its ReplicaSet cannot
 * create pods (FailedCreate, e.g. requests above limits, quota).
 */
export function classifyEvent(event: KubeEvent, revision: string): RevisionFailure | undefined {
  if (event.type !== 'Warning' || !event.message || TRANSIENT.test(event.message)) return undefined;
  const {kind, name = ''} = event.involvedObject;
  if (kind === 'Revision' && name === revision) return {reason: event.reason ?? 'Warning', message: event.message};
  if (kind === 'ReplicaSet' && name.startsWith(`${revision}-deployment-`) && event.reason === 'FailedCreate') return {reason: 'FailedCreate', message: event.message};
  return undefined;
}

/** The Deployment Knative made for the revision says it cannot create pods. */
export function classifyDeployment(deployment: DeploymentView): RevisionFailure | undefined {
  const failure = deployment.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  return failure ? {reason: failure.reason ?? 'ReplicaFailure', message: failure.message ?? 'the Deployment cannot create pods'} : undefined;
}

/** Whether an event concerns this revision's objects (Revision, Deployment, ReplicaSet, pods). */
export function concernsRevision(event: KubeEvent, revision: string): boolean {
  const name = event.involvedObject.name ?? '';
  return name === revision || name.startsWith(`${revision}-deployment`);
}

function nextStep(service: string, namespace: string, revision: string, failure: RevisionFailure): string {
  const logs = `fn logs ${service} -n ${namespace} --revision ${revision}`;
  if (/ImagePull|ErrImage|InvalidImageName/.test(failure.reason)) {
    return `check that the image exists in the registry${failure.image ? ` (${failure.image})` : ''} and that the cluster can pull it (a private registry needs an imagePullSecret on the namespace's default ServiceAccount), then fn deploy again`;
  }
  if (failure.reason === 'ReadinessProbeFailed') {
    return `make the function listen on the port in $PORT (${failure.port ?? 8080}) and answer ${'/health/readiness'}; ${logs} shows its output`;
  }
  if (failure.exitCode !== undefined) return `fix the error in the function (fn run reproduces it locally); ${logs} shows the whole log`;
  if (/less than or equal to|limit|quota|exceed/i.test(failure.message)) return 'fix resources in fn.yaml (requests must not be above limits, and fit the namespace\'s quota), then fn deploy again';
  return `kubectl describe revision ${revision} -n ${namespace} shows the events; fn revisions ${service} -n ${namespace} lists each revision's state`;
}

/** The error for a revision fn found cannot become ready: exit 11 (notReady), with a next step. */
export function revisionFailedError(service: string, namespace: string, revision: string, failure: RevisionFailure): FnError {
  const tail = failure.logTail?.length ? `\nlast log lines:\n${failure.logTail.map((l) => `  | ${l}`).join('\n')}` : '';
  return new FnError('REVISION_FAILED', 'notReady', `${service} failed to become ready — revision ${revision}: ${failure.reason}: ${failure.message}${tail}`, {
    suggestion: nextStep(service, namespace, revision, failure),
    details: {service, namespace, revision, ...failure},
  });
}
