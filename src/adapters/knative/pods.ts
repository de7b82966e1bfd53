// The pods Knative runs for a function's revisions, through the Kubernetes API: list and watch them,
// stream their logs, and (while a deploy waits) tell from them, their events and the revision's
// Deployment why a revision cannot become ready. Watches only — the sole timer is the readiness
// probe's grace period, and every stream ends when the caller's signal aborts.
import {classifyDeployment, classifyEvent, classifyPod, concernsRevision, PROBE_GRACE_MS, userContainer, type DeploymentView, type KubeEvent, type PodView, type RevisionFailure} from '../../core/pod-failure.js';
import {KubeApiError} from './kube-api-error.js';
import type {KubeHttp, WatchEvent} from './kube-http.js';

interface List<T> {
  items: T[];
  metadata: {resourceVersion?: string; continue?: string};
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** Read the previous (crashed) container's log. */
  previous?: boolean;
}

export interface RevisionWatchOptions {
  signal: AbortSignal;
  graceMs?: number;
  /** Verbose notes (what was looked at), for --verbose. */
  onNote?(message: string): void;
}

const enc = encodeURIComponent;

export class KnativePods {
  constructor(readonly kube: KubeHttp) {}

  async list(namespace: string, labelSelector: string): Promise<{items: PodView[]; resourceVersion?: string}> {
    const list = await this.kube.request<List<PodView>>('GET', `/api/v1/namespaces/${enc(namespace)}/pods`, {query: {labelSelector}});
    return {items: list.items, resourceVersion: list.metadata.resourceVersion};
  }

  /**
   * List, then watch from the list's version: onList with the pods there are, then onEvent for each
   * change, until the signal aborts. A closed stream resumes; an expired version lists again.
   */
  async follow(namespace: string, labelSelector: string, onList: (pods: PodView[]) => void, onEvent: (event: WatchEvent<PodView>) => void, signal: AbortSignal): Promise<void> {
    await informer<PodView>(this.kube, `/api/v1/namespaces/${enc(namespace)}/pods`, {labelSelector}, onList, onEvent, signal);
  }

  /** A container's log, line by line (with the API server's RFC 3339 timestamps in front). */
  async log(namespace: string, pod: string, container: string, options: LogOptions, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    await this.kube.lines(
      `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}/log`,
      {container, timestamps: true, follow: options.follow || undefined, tailLines: options.tailLines, sinceSeconds: options.sinceSeconds, previous: options.previous || undefined},
      onLine,
      signal,
    );
  }

  /**
   * Resolves with why the revision cannot become ready, as soon as its pods, events or Deployment
   * show it; with undefined once the signal aborts (the wait ended for another reason) or when fn may
   * not read pods (RBAC: the Revision's own conditions are all there is then).
   */
  watchRevision(namespace: string, revision: string, options: RevisionWatchOptions): Promise<RevisionFailure | undefined> {
    const stop = new AbortController();
    const abort = () => stop.abort();
    options.signal.addEventListener('abort', abort, {once: true});
    if (options.signal.aborted) stop.abort();
    const graceMs = options.graceMs ?? PROBE_GRACE_MS;
    const pods = new Map<string, PodView>();
    const events = new Map<string, KubeEvent>();
    let timer: NodeJS.Timeout | undefined;
    let settle: (failure: RevisionFailure | undefined) => void = () => {};
    const result = new Promise<RevisionFailure | undefined>((resolve) => (settle = resolve));
    let done = false;
    const finish = (failure: RevisionFailure | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', abort);
      stop.abort();
      settle(failure);
    };
    stop.signal.addEventListener('abort', () => finish(undefined), {once: true});

    const fail = async (failure: RevisionFailure) => {
      if (done) return;
      // An exit without log lines in its status: read them from the API server (one bounded request).
      if (failure.exitCode !== undefined && !failure.logTail && failure.pod) {
        const pod = pods.get(failure.pod);
        const container = pod && userContainer(pod);
        if (container) failure = {...failure, logTail: await this.tail(namespace, failure.pod, container)};
      }
      finish(failure);
    };
    const evaluate = () => {
      if (done) return;
      clearTimeout(timer);
      const now = Date.now();
      let recheck: number | undefined;
      for (const pod of pods.values()) {
        const podEvents = [...events.values()].filter((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === pod.metadata.name);
        const verdict = classifyPod(pod, podEvents, now, graceMs);
        if (verdict.failure) return void fail(verdict.failure);
        if (verdict.recheckAt !== undefined) recheck = Math.min(recheck ?? Infinity, verdict.recheckAt);
      }
      if (recheck !== undefined) {
        timer = setTimeout(evaluate, Math.max(100, recheck - now));
        timer.unref();
      }
    };
    const note = options.onNote ?? (() => {});
    const onPodEvent = (event: WatchEvent<PodView>) => {
      if (event.type === 'DELETED') pods.delete(event.object.metadata.name);
      else if (event.type === 'ADDED' || event.type === 'MODIFIED') pods.set(event.object.metadata.name, event.object);
      evaluate();
    };
    const onKubeEvent = (event: KubeEvent) => {
      // Pod events are kept whatever the pod's name (they are matched to the revision's pods later).
      if (!concernsRevision(event, revision) && event.involvedObject.kind !== 'Pod') return;
      events.set(event.metadata.name, event);
      const failure = classifyEvent(event, revision);
      if (failure) return void fail(failure);
      evaluate();
    };
    const deploymentName = `${revision}-deployment`;
    const onDeployment = (deployment: DeploymentView) => {
      const failure = classifyDeployment(deployment);
      if (failure) void fail(failure);
    };
    const streams = [
      informer<PodView>(this.kube, `/api/v1/namespaces/${enc(namespace)}/pods`, {labelSelector: `serving.knative.dev/revision=${revision}`}, (items) => {
        pods.clear();
        for (const pod of items) pods.set(pod.metadata.name, pod);
        note(`${revision}: ${items.length} pod(s)`);
        evaluate();
      }, onPodEvent, stop.signal),
      // Warning events only: Failed, BackOff, Unhealthy on pods, FailedCreate on the ReplicaSet,
      // InternalError on the Revision.
      informer<KubeEvent>(this.kube, `/api/v1/namespaces/${enc(namespace)}/events`, {fieldSelector: 'type=Warning'}, (items) => items.forEach(onKubeEvent), (e) => {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') onKubeEvent(e.object);
      }, stop.signal),
      informer<DeploymentView>(this.kube, `/apis/apps/v1/namespaces/${enc(namespace)}/deployments`, {fieldSelector: `metadata.name=${deploymentName}`}, (items) => items.forEach(onDeployment), (e) => {
        if (e.type === 'ADDED' || e.type === 'MODIFIED') onDeployment(e.object);
      }, stop.signal),
    ];
    for (const stream of streams) {
      stream.catch((e) => {
        // Diagnosis is extra help: when fn may not read these (RBAC) or a stream breaks, the wait
        // goes on with the Revision's conditions alone.
        note(`cannot watch ${revision}'s pods and events: ${e instanceof KubeApiError ? `${e.statusCode} ${e.status.message ?? ''}` : (e as Error).message}`);
      });
    }
    return result;
  }

  /** The last lines a container printed (its previous run's, if it restarted); [] when unreadable. */
  private async tail(namespace: string, pod: string, container: string): Promise<string[]> {
    const lines: string[] = [];
    const read = (previous: boolean) =>
      this.log(namespace, pod, container, {tailLines: 10, previous}, (line) => lines.push(line.replace(/^\S+Z /, '')), AbortSignal.timeout(5000));
    try {
      await read(false);
      if (lines.length === 0) await read(true);
    } catch {
      // no log to show: the message still has the exit code
    }
    return lines.filter((l) => l.trim() !== '').slice(-10);
  }
}

/** List then watch a collection until the signal aborts, resuming closed streams. */
async function informer<T extends {metadata: {resourceVersion?: string}}>(
  kube: KubeHttp,
  path: string,
  query: Record<string, string>,
  onList: (items: T[]) => void,
  onEvent: (event: WatchEvent<T>) => void,
  signal: AbortSignal,
): Promise<void> {
  let version: string | undefined;
  while (!signal.aborted) {
    if (version === undefined) {
      let list: List<T>;
      try {
        list = await kube.request<List<T>>('GET', path, {query, signal});
      } catch (e) {
        if (signal.aborted) return;
        throw e;
      }
      onList(list.items);
      version = list.metadata.resourceVersion;
    }
    const outcome = await kube.watch<T>(
      path,
      {...query, resourceVersion: version, timeoutSeconds: 300},
      (event) => {
        version = event.object.metadata.resourceVersion ?? version;
        if (event.type !== 'BOOKMARK') onEvent(event);
        return false;
      },
      signal,
    );
    if (outcome === 'aborted') return;
    // 410 Gone or an ERROR event: list again. (A stream closed at once is paused on in kube.watch.)
    if (outcome === 'expired') version = undefined;
  }
}
