// `fn logs` as a use case: which revisions (--revision, --tag, else every ready one), their pods, and
// each pod's log — read once (merged by time across pods) or followed as pods come and go. The pod
// reads go through the PodSource port (adapters/knative/pods.ts); the rest is pure.
import {FnError} from './errors.js';
import {REVISION_LABELS} from './knative.js';
import {userContainer, type PodView} from './pod-failure.js';
import type {DeployedFunction, RevisionInfo} from './ports.js';
import {compareText} from './text-order.js';

export interface LogEntry {
  revision: string;
  pod: string;
  /** RFC 3339 with nanoseconds, as the API server writes it; '' when the line had none. */
  time: string;
  line: string;
}

export interface PodSource {
  list(namespace: string, labelSelector: string): Promise<{items: PodView[]}>;
  follow(namespace: string, labelSelector: string, onList: (pods: PodView[]) => void, onEvent: (event: {type: string; object: PodView}) => void, signal: AbortSignal): Promise<void>;
  log(namespace: string, pod: string, container: string, options: {follow?: boolean; tailLines?: number; sinceSeconds?: number}, onLine: (line: string) => void, signal?: AbortSignal): Promise<void>;
}

export interface LogsRequest {
  fn: DeployedFunction;
  revisions: RevisionInfo[];
  revision?: string;
  tag?: string;
  sinceSeconds?: number;
  tail?: number;
  follow?: boolean;
  signal: AbortSignal;
}

export interface LogsResult {
  revisions: string[];
  pods: string[];
  lines: number;
}

const REVISION_LABEL = 'serving.knative.dev/revision';

/** "2025-01-01T00:00:00.123456789Z text" → time and text (the API server's timestamps=true form). */
export function parseLogLine(raw: string): {time: string; line: string} {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/s.exec(raw);
  return match ? {time: match[1], line: match[2]} : {time: '', line: raw};
}

/** One line for humans: the revision in front when lines of several revisions are mixed. */
export function formatLogLine(entry: LogEntry, prefixRevision: boolean): string {
  return prefixRevision ? `[${entry.revision}] ${entry.line}` : entry.line;
}

/** Entries of several pods in time order (stable for equal times: the pod's own order stays). */
export function mergeByTime(entries: LogEntry[]): LogEntry[] {
  return entries.map((e, i) => ({e, i})).sort((a, b) => compareText(a.e.time, b.e.time) || a.i - b.i).map(({e}) => e);
}

/** Which revisions' logs: the one named, the tag's, or every ready one. */
export function selectRevisions(fn: DeployedFunction, revisions: RevisionInfo[], choice: {revision?: string; tag?: string}): string[] {
  const wanted = choice.revision;
  if (wanted) {
    const known = revisions.find((r) => r.name === wanted || r.name === `${fn.name}-${wanted}` || (r.generation !== undefined && String(r.generation) === wanted.replace(/^0+/, '')));
    if (!known) {
      throw new FnError('REVISION_NOT_FOUND', 'notFound', `${fn.name} has no revision "${wanted}". Revisions: ${revisions.map((r) => r.name).join(', ') || '(none)'}`, {
        suggestion: `fn revisions ${fn.name} -n ${fn.namespace} lists them`,
      });
    }
    return [known.name];
  }
  if (choice.tag) {
    const target = fn.statusTraffic.find((t) => t.tag === choice.tag) ?? fn.traffic.find((t) => t.tag === choice.tag);
    const name = target?.revisionName ?? (target?.latestRevision ? fn.latestReadyRevisionName : undefined);
    if (!name) {
      const tags = [...new Set([...fn.statusTraffic, ...fn.traffic].map((t) => t.tag).filter(Boolean))];
      throw new FnError('UNKNOWN_TAG', 'notFound', `${fn.name} has no tag "${choice.tag}". Tags: ${tags.join(', ') || '(none)'}`, {
        suggestion: tags.length ? `use one of: ${tags.join(', ')}` : `fn traffic ${fn.name} --tag REVISION=${choice.tag} tags one`,
      });
    }
    return [name];
  }
  return revisions.filter((r) => r.ready === 'True').map((r) => r.name);
}

/** A pod whose function container has started (running now, or ran before): it has a log. */
function hasLog(pod: PodView): boolean {
  const status = pod.status?.containerStatuses?.find((c) => c.name === userContainer(pod));
  return Boolean(status?.state?.running || status?.state?.terminated || status?.lastState?.terminated);
}

export async function streamLogs(pods: PodSource, request: LogsRequest, emit: (entry: LogEntry, prefixRevision: boolean) => void): Promise<LogsResult> {
  const {fn} = request;
  const selected = new Set(selectRevisions(fn, request.revisions, request));
  const followAll = request.follow && !request.revision && !request.tag;
  // Every pod of the function: a revision that becomes ready while following is followed too.
  const selector = `${REVISION_LABELS.configuration}=${fn.name}`;
  const wanted = (pod: PodView) => {
    const revision = pod.metadata.labels?.[REVISION_LABEL];
    return Boolean(revision) && (selected.has(revision!) || Boolean(followAll));
  };
  const seenPods = new Set<string>();
  const seenRevisions = new Set<string>();
  let lines = 0;
  const prefix = () => selected.size > 1 || seenRevisions.size > 1;
  const options = {tailLines: request.tail, sinceSeconds: request.sinceSeconds};

  if (!request.follow) {
    const {items} = await pods.list(fn.namespace, selector);
    const readable = items.filter((p) => wanted(p) && hasLog(p));
    const perPod = await Promise.all(
      readable.map(async (pod) => {
        const revision = pod.metadata.labels![REVISION_LABEL];
        const entries: LogEntry[] = [];
        seenPods.add(pod.metadata.name);
        seenRevisions.add(revision);
        await pods.log(fn.namespace, pod.metadata.name, userContainer(pod)!, options, (raw) => entries.push({revision, pod: pod.metadata.name, ...parseLogLine(raw)}), request.signal);
        return entries;
      }),
    );
    for (const entry of mergeByTime(perPod.flat())) {
      lines++;
      emit(entry, prefix());
    }
    return {revisions: [...seenRevisions], pods: [...seenPods], lines};
  }

  // Follow: one log stream per pod once its container has started; a stream ends with its pod.
  const streams = new Map<string, AbortController>();
  let initial = true;
  const start = (pod: PodView, fromStart: boolean) => {
    const name = pod.metadata.name;
    if (streams.has(name) || !wanted(pod) || !hasLog(pod) || pod.metadata.deletionTimestamp) return;
    const revision = pod.metadata.labels![REVISION_LABEL];
    const stop = new AbortController();
    streams.set(name, stop);
    seenPods.add(name);
    seenRevisions.add(revision);
    const signal = AbortSignal.any([request.signal, stop.signal]);
    // Pods that start while following are read from their first line: nothing they print is lost.
    void pods
      .log(fn.namespace, name, userContainer(pod)!, {...(fromStart ? {} : options), follow: true}, (raw) => {
        lines++;
        emit({revision, pod: name, ...parseLogLine(raw)}, prefix());
      }, signal)
      .catch(() => undefined);
  };
  await pods.follow(
    fn.namespace,
    selector,
    (items) => {
      for (const pod of items) start(pod, !initial);
      initial = false;
    },
    (event) => {
      if (event.type === 'DELETED') {
        streams.get(event.object.metadata.name)?.abort();
        streams.delete(event.object.metadata.name);
      } else start(event.object, true);
    },
    request.signal,
  );
  for (const stream of streams.values()) stream.abort();
  return {revisions: [...seenRevisions], pods: [...seenPods], lines};
}
