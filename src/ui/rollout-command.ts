// What the `fn rollout …` commands share: which function (the same target resolution and cluster flags
// as every cluster command), who "we" are (pid and host, the rollout's owner), and output: with --json
// every event is one line of JSON and so are the final result and any error, so a CI log can be read
// line by line.
import {Args, Flags} from '@oclif/core';
import {hostname} from 'node:os';
import {resolve} from 'node:path';
import {FnError} from '../core/errors.js';
import {loadFunction, type FunctionConfig} from '../core/function.js';
import type {RolloutEvent} from '../core/rollout/events.js';
import type {RolloutOutcome} from '../core/rollout/engine.js';
import {formatDuration, formatRate} from '../core/flag-values.js';
import type {Owner} from '../core/rollout/state.js';
import {describeTraffic} from '../core/traffic.js';
import type {FunctionRef, Knative, Progress} from '../core/ports.js';
import type {RevisionDiagnosis} from '../core/pod-failure.js';
import {FnCommand, fromOclif} from './base-command.js';
import {clusterFlags, connectToFunction} from './cluster-flags.js';
import {pathFlag} from './flags.js';
import {interruptible, type Interruptible} from './interrupt.js';

export const rolloutArgs = {
  name: Args.string({description: 'function (Knative Service) name; default: the name in fn.yaml'}),
};

export const rolloutTargetFlags = {path: pathFlag, ...clusterFlags};

export const ingressFlag = Flags.string({
  description: 'send the health checks to the cluster\'s ingress at HOST[:PORT] with the canary\'s Host header (default: FN_INGRESS, else DNS, else the ingress the cluster publishes)',
});

export const rolloutExitCodes = [
  'Exit codes: 0 done (or promoted from elsewhere, or already rolled out: the same image and fn.yaml already take 100%); 2 bad flag; 3 another rollout or process holds the service;',
  '7 cluster unreachable; 8 no such function/revision/rollout; 13 rolled back (a gate failed, the revision failed,',
  'Ctrl-C, timeout, or aborted from another shell): traffic is back to the split from before the rollout.',
].join(' ');

/** The line a finished rollout ends with. */
export function rolloutSummary(outcome: RolloutOutcome, name: string): string {
  if (outcome.status === 'promoted') return `${outcome.canary} was promoted to 100% of ${name} (${outcome.by})`;
  if (outcome.status === 'unchanged') return `${outcome.canary} already takes 100% of ${name}: nothing new to roll out`;
  return `${outcome.canary} takes 100% of ${name}`;
}

/** Help text from lines: lines join into paragraphs, an empty line starts the next one. */
export function paragraphs(...lines: string[]): string {
  return lines.join(' ').replace(/ {2,}/g, '\n\n').trim();
}

export abstract class RolloutCommand extends FnCommand {
  /**
   * The function, resolved as every cluster command resolves it (fn.yaml's namespace only for fn.yaml's
   * own function). `needConfig`: the full fn.yaml too, to build a new image's template.
   */
  protected async target(name: string | undefined, flags: {path: string; namespace?: string; context?: string}, needConfig = false): Promise<{ref: FunctionRef; knative: Knative; config?: FunctionConfig}> {
    let config: FunctionConfig | undefined;
    if (needConfig) {
      config = await loadFunction(resolve(flags.path));
      if (name && name !== config.name) {
        throw new FnError('ROLLOUT_NAME_MISMATCH', 'usage', `${name} is not the function in ${resolve(flags.path)} (${config.name})`, {
          suggestion: 'leave out NAME, or pass --path to the folder of that function',
        });
      }
    }
    const {knative, ref} = await connectToFunction(flags, name);
    return {ref, knative, config};
  }

  /** How the health gate reaches the canary's tag URL (core/ingress-address.ts). */
  protected async reach(ref: FunctionRef, flags: {context?: string; ingress?: string}) {
    const {functionReach} = await import('../factory.js');
    return (await functionReach({context: flags.context}, {namespace: ref.namespace, route: ref.name}, flags.ingress)).reach;
  }

  /** Pod diagnosis for the canary revision while it is not ready (core/pod-watched-wait.ts, from core/rollout/waits.ts). */
  protected async diagnose(flags: {context?: string}): Promise<RevisionDiagnosis> {
    const {podDiagnosis} = await import('../factory.js');
    return podDiagnosis({context: flags.context});
  }

  protected get owner(): Owner {
    return {pid: process.pid, host: hostname()};
  }

  /** One JSON document per line: the events before it, the result or the error after. */
  protected logJson(json: unknown): void {
    process.stdout.write(JSON.stringify(json) + '\n');
  }

  protected async catch(err: Error & {exitCode?: number}): Promise<any> {
    if (!this.jsonEnabled()) return super.catch(err);
    const error = fromOclif(err);
    const event = error.code === 'ROLLOUT_ROLLED_BACK' || error.code === 'ROLLOUT_ABORTED' ? 'rolledBack' : 'failed';
    process.stdout.write(JSON.stringify({event, at: new Date().toISOString(), error: error.toJSON()}) + '\n');
    process.exitCode = error.exitCode;
  }

  /** Events as JSON lines (--json) or as progress for humans. */
  protected eventSink(): (event: RolloutEvent) => void {
    if (this.jsonEnabled()) return (event) => process.stdout.write(JSON.stringify(event) + '\n');
    const progress = this.progress;
    return (event) => renderEvent(event, progress);
  }

  /** Ctrl-C / SIGTERM once: roll back. Twice: leave at once, the rollout stays resumable. */
  protected interruptible(): Interruptible {
    return interruptible({
      onFirst: (name) => this.progress.warn(`${name}: rolling back to the prior split (press Ctrl-C again to leave now; then fn rollout abort or resume)`),
      onSecond: () => process.stderr.write('Left the rollout as it is: fn rollout status shows it; fn rollout resume or abort finishes it.\n'),
    });
  }
}

export function renderEvent(event: RolloutEvent, progress: Progress): void {
  switch (event.event) {
    case 'started': {
      const what = event.canary.revisionName ?? event.canary.image ?? 'the new revision';
      const from = event.resumedFromStep === undefined ? '' : ` (resuming at step ${event.resumedFromStep})`;
      progress.step(`Rolling out ${what} to ${event.service}: ${event.steps.map((s) => `${s}%`).join(' → ')}${from}`);
      progress.info(`prior split: ${describeTraffic(event.prior)}`);
      break;
    }
    case 'deployed':
      progress.info(`deployed revision ${event.revision} at 0%`);
      break;
    case 'stepStarted':
      progress.step(`Step ${event.step}/${event.of}: ${event.percent}%`);
      break;
    case 'revisionReady':
      progress.detail(`revision ${event.revision} is Ready`);
      break;
    case 'gate': {
      const p95 = event.p95Ms === undefined ? '' : `, p95 ${formatDuration(event.p95Ms)}`;
      progress.info(`gate ${event.passed ? 'passed' : 'FAILED'}: ${event.requests} checks, ${event.errors} failed (${formatRate(event.errorRate)})${p95}`);
      for (const failure of event.failures) progress.info(`  ${failure}`);
      if (!event.passed && event.sampleErrors.length) progress.info(`  e.g. ${event.sampleErrors.join('; ')}`);
      break;
    }
    case 'trafficMoved':
      progress.info(`traffic: ${describeTraffic(event.traffic)}`);
      break;
    case 'waiting':
      progress.info(`watching for ${formatDuration(event.untilMs)} before the next gate`);
      break;
    case 'rollingBack':
      progress.warn(`rolling back: ${event.reason}`);
      break;
  }
}
