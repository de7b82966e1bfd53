// A wait for Knative raced with a look at the pods of the revisions it waits for (pod-failure.ts):
// whichever ends first stops the other, so a revision that can never start fails the wait in
// seconds instead of at the timeout. Used by fn deploy and by traffic changes.
import type {RevisionDiagnosis, RevisionFailure} from './pod-failure.js';

export class DiagnosedFailure extends Error {
  constructor(
    readonly revision: string,
    readonly failure: RevisionFailure,
  ) {
    super(failure.message);
  }
}

/** Runs `wait`; the first failure found in the revisions' pods aborts it and rejects with DiagnosedFailure. */
export async function waitWatchingPods<T>(
  diagnose: RevisionDiagnosis | undefined,
  namespace: string,
  revisions: string[],
  outer: AbortSignal | undefined,
  wait: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (!diagnose || !revisions.length) return wait(outer ?? new AbortController().signal);
  const stop = new AbortController();
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
  let found: DiagnosedFailure | undefined;
  const looks = revisions.map((revision) =>
    diagnose(namespace, revision, stop.signal).then((failure) => {
      if (failure && !stop.signal.aborted) {
        found = new DiagnosedFailure(revision, failure);
        stop.abort();
      }
    }),
  );
  try {
    const result = await wait(signal);
    if (found) throw found;
    return result;
  } catch (e) {
    if (found) throw found;
    throw e;
  } finally {
    stop.abort();
    await Promise.all(looks);
  }
}

/**
 * What the revisions' pods say now: the first failure found within `ms` (a crash loop or a pull
 * error is visible in the first read), else undefined — a revision still starting is not a failure.
 */
export async function podFailureNow(diagnose: RevisionDiagnosis | undefined, namespace: string, revisions: string[], ms: number): Promise<DiagnosedFailure | undefined> {
  if (!diagnose || !revisions.length) return undefined;
  try {
    await waitWatchingPods(diagnose, namespace, revisions, undefined, (signal) => new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), {once: true});
    }));
    return undefined;
  } catch (e) {
    if (e instanceof DiagnosedFailure) return e;
    throw e;
  }
}
