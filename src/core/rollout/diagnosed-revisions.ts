// The canary revision's readiness as the rollout waits for it: Knative's own verdict first; while it
// says nothing yet, a look at the revision's pods (core/pod-failure.ts) can tell in seconds that it
// will never start (image pull, crash, failing probe).
import type {RevisionDiagnosis, RevisionFailure} from '../pod-failure.js';
import type {Knative, RevisionInfo} from '../ports.js';

export class DiagnosedRevisions {
  /** Revisions whose pods are being watched, and what was found. */
  private readonly diagnoses = new Map<string, {stop: AbortController; failure?: RevisionFailure}>();

  constructor(
    private readonly knative: Knative,
    private readonly namespace: string,
    private readonly diagnose?: RevisionDiagnosis,
  ) {}

  async read(name: string): Promise<RevisionInfo | undefined> {
    const revision = await this.knative.revision(this.namespace, name);
    if (!revision) return undefined;
    if (revision.ready !== 'Unknown' || !this.diagnose) {
      this.diagnoses.get(name)?.stop.abort();
      this.diagnoses.delete(name);
      return revision;
    }
    let diagnosis = this.diagnoses.get(name);
    if (!diagnosis) {
      const entry: {stop: AbortController; failure?: RevisionFailure} = {stop: new AbortController()};
      this.diagnoses.set(name, entry);
      void this.diagnose(this.namespace, name, entry.stop.signal).then((failure) => (entry.failure = failure));
      diagnosis = entry;
    }
    const failure = diagnosis.failure;
    if (!failure) return revision;
    const tail = failure.logTail?.length ? `\nlast log lines:\n${failure.logTail.map((l) => `  | ${l}`).join('\n')}` : '';
    return {...revision, ready: 'False', reason: failure.reason, message: `${failure.message}${tail}`};
  }

  /** Stops every pod watch (the rollout ended), so none keeps the process alive. */
  close(): void {
    for (const d of this.diagnoses.values()) d.stop.abort();
    this.diagnoses.clear();
  }
}
