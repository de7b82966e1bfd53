// Is a deploy, a traffic change or a revision finished, failed, or still going — and what to tell the
// user when it failed or timed out: the Revision's or Route's reason and message and one next step,
// never a bare "not ready".
import {FnError} from './errors.js';
import {condition, type Condition} from './knative.js';
import type {DeployedFunction, RevisionInfo} from './ports.js';
import {trafficSettled} from './traffic.js';

export type Outcome = 'ready' | 'failed' | 'pending';

/**
 * A False condition that is a real failure. RevisionMissing is not: a Route that names a revision
 * its Configuration has not created yet says so (False) for a moment; if the revision never comes,
 * the wait times out with that reason.
 */
function failed(conditions: Condition[], types?: string[]): boolean {
  return conditions.some((c) => c.status === 'False' && c.reason !== 'RevisionMissing' && (!types || types.includes(c.type)));
}

/**
 * Deploy: the controllers saw our spec, the function (with `revisionName` latest) is Ready, and the route
 * serves what spec.traffic says (Ready and latestReady can be seen a moment before status.traffic, e.g.
 * when a deploy goes back to an existing revision).
 */
export function deployOutcome(fn: DeployedFunction, revisionName?: string): Outcome {
  if (!fn.observed) return 'pending';
  const ready = condition(fn.conditions, 'Ready');
  if (failed(fn.conditions)) return 'failed';
  if (revisionName && fn.latestCreatedRevisionName && fn.latestCreatedRevisionName !== revisionName) return 'pending';
  if (ready?.status === 'True') {
    return (!revisionName || fn.latestReadyRevisionName === revisionName) && trafficSettled(fn) ? 'ready' : 'pending';
  }
  return 'pending';
}

/** Traffic change: status.traffic shows the written split and the route is Ready. */
export function trafficOutcome(fn: DeployedFunction): Outcome {
  if (!fn.observed) return 'pending';
  const routes = condition(fn.conditions, 'RoutesReady') ?? condition(fn.conditions, 'Ready');
  if (failed(fn.conditions, [routes?.type ?? 'Ready'])) return 'failed';
  return routes?.status === 'True' && trafficSettled(fn) ? 'ready' : 'pending';
}

/** A Revision on its own (one the function's status does not speak for: not its latest): its Ready condition. */
export function revisionOutcome(revision: RevisionInfo | undefined): Outcome {
  if (revision?.ready === 'True') return 'ready';
  return revision?.ready === 'False' ? 'failed' : 'pending';
}

/** What a wait has shown of the conditions so far (newConditionLines keeps it). */
export class ConditionsSeen {
  /** The last line shown per condition type. */
  readonly last = new Map<string, string>();
  /** Types seen True in this wait. */
  readonly wasTrue = new Set<string>();
}

const conditionText = (c: Condition) => `${c.type}: ${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? ` — ${c.message}` : ''}`;
const sameState = (a: Condition, b: Condition) => a.status === b.status && a.reason === b.reason && a.message === b.message;

/**
 * The lines a wait prints for a new state, kn-like: the Ready condition as it changes (it carries the
 * reason and message of whichever condition holds it back), any other condition only when it is False
 * (a failure, with Ready's same words left out), never the same line twice, no Unknown that gives no
 * reason, and no flip back to Unknown for a condition already seen True (the controllers catching up,
 * e.g. RoutesReady True → Unknown while the route moves to the new revision): the True that follows
 * is news, once.
 */
export function newConditionLines(fn: DeployedFunction, seen: ConditionsSeen): string[] {
  const ready = condition(fn.conditions, 'Ready');
  const failing = fn.conditions.filter((c) => c.type !== 'Ready' && c.status === 'False');
  const shown = ready ? [...failing, ...(failing.some((c) => sameState(c, ready)) ? [] : [ready])] : fn.conditions;
  const lines: string[] = [];
  for (const c of shown) {
    const text = conditionText(c);
    // Unknown with neither reason nor message says nothing (a controller resetting the condition).
    const flipBack = c.status === 'Unknown' && (seen.wasTrue.has(c.type) || (!c.reason && !c.message));
    if (c.status === 'True') seen.wasTrue.add(c.type);
    if (flipBack || seen.last.get(c.type) === text) continue;
    seen.last.set(c.type, text);
    lines.push(text);
  }
  return lines;
}

/** Where a deploy's wait is: its revision not ready yet, traffic being routed to it, or done. */
export type DeployPhase = 'revision' | 'routing' | 'ready';

/** The phase of a deploy's wait for `revisionName` (undefined: the one Knative names), for progress. */
export function deployPhase(fn: DeployedFunction, revisionName?: string): DeployPhase {
  if (deployOutcome(fn, revisionName) === 'ready') return 'ready';
  const revision = revisionName ?? fn.latestCreatedRevisionName;
  const revisionReady = fn.observed && revision !== undefined && fn.latestReadyRevisionName === revision;
  return revisionReady ? 'routing' : 'revision';
}

function explain(c: Condition | undefined): string {
  if (!c) return 'no status reported yet';
  return `${c.reason ?? c.status}${c.message ? `: ${c.message}` : ''}`;
}

/** One next step for a failure reason. */
function nextStep(fn: DeployedFunction, revision: RevisionInfo | undefined, reason: string | undefined): string {
  const rev = revision?.name ?? fn.latestCreatedRevisionName;
  const ns = fn.namespace;
  if (reason && /ContainerMissing|ImagePull|ErrImage|Manifest|Unauthorized|pull/i.test(`${reason} ${revision?.message ?? ''}`)) {
    return `check that the image exists and the cluster can pull it (${revision?.image ?? 'see fn describe'}); if it needs credentials, add an imagePullSecret to the namespace's default ServiceAccount`;
  }
  if (reason && /ExitCode|CrashLoop|Error|Probe|HealthCheck/i.test(reason)) {
    return `read the function's log: fn logs ${fn.name} -n ${ns}${rev ? ` --revision ${rev}` : ''}`;
  }
  if (reason === 'RevisionMissing' || reason === 'RevisionFailed') {
    return `fn revisions ${fn.name} -n ${ns} shows each revision's reason; fn rollback --name ${fn.name} -n ${ns} sends traffic back to the previous one`;
  }
  return `fn describe ${fn.name} -n ${ns} shows the conditions; kubectl describe revision ${rev ?? ''} -n ${ns} shows the events`.replace('  ', ' ');
}

/** The error for a deploy that failed (a condition False) or timed out. */
export function notReadyError(fn: DeployedFunction, revision: RevisionInfo | undefined, timedOut: boolean, timeoutSeconds: number): FnError {
  const ready = condition(fn.conditions, 'Ready');
  const failing = fn.conditions.find((c) => c.type !== 'Ready' && c.status === 'False') ?? (ready?.status !== 'True' ? ready : undefined);
  // The Revision's own reason is the most precise ("ExitCode1", "ContainerMissing").
  const revisionText = revision && revision.ready !== 'True' ? `revision ${revision.name}: ${revision.reason ?? revision.ready}${revision.message ? `: ${revision.message}` : ''}` : undefined;
  const reason = revision?.ready === 'False' ? revision.reason : failing?.reason;
  const cause = revisionText ?? (failing ? `${failing.type}: ${explain(failing)}` : 'no status reported yet');
  const details = {
    service: fn.name,
    namespace: fn.namespace,
    revision: revision?.name ?? fn.latestCreatedRevisionName,
    reason,
    conditions: fn.conditions,
  };
  if (timedOut) {
    return new FnError('NOT_READY_TIMEOUT', 'timeout', `${fn.name} was not ready after ${timeoutSeconds}s — ${cause}`, {
      suggestion: `${nextStep(fn, revision, reason)} (or wait longer with --timeout)`,
      details,
    });
  }
  return new FnError('NOT_READY', 'notReady', `${fn.name} failed to become ready — ${cause}`, {suggestion: nextStep(fn, revision, reason), details});
}
