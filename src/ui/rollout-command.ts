// What the `fn rollout …` commands share: which function and cluster, who "we" are (pid and host, the
// rollout's owner), and output: with --json every event is one line of JSON and so are the final
// result and any error, so a CI log can be read line by line.
import {Args, Flags} from '@oclif/core';
import {hostname} from 'node:os';
import {resolve} from 'node:path';
import {FnError} from '../core/errors.js';
import {loadFunction, type FunctionConfig} from '../core/function.js';
import {describeTraffic, type RolloutEvent} from '../core/rollout/events.js';
import {formatDuration, formatRate} from '../core/rollout/flag-values.js';
import type {Owner} from '../core/rollout/engine.js';
import type {DeployerCluster} from '../core/rollout/deployer-cluster.js';
import type {Progress} from '../core/ports.js';
import {FnCommand, fromOclif} from './base-command.js';

export const rolloutArgs = {
  name: Args.string({description: 'function (Knative Service) name; default: the name in fn.yaml'}),
};

export const rolloutTargetFlags = {
  path: Flags.string({char: 'p', description: 'function folder (holds fn.yaml)', default: '.'}),
  namespace: Flags.string({char: 'n', description: 'namespace (default: fn.yaml, then the kubeconfig context)'}),
  context: Flags.string({description: 'kubeconfig context (default: the current one)'}),
};

export const ingressFlag = Flags.string({
  description: 'send the health checks to the cluster\'s ingress at HOST[:PORT] with the canary\'s Host header (default: FN_INGRESS, else DNS, else the ingress the cluster publishes)',
});

export const rolloutExitCodes = [
  'Exit codes: 0 done (or promoted from elsewhere); 2 bad flag; 3 another rollout or process holds the service;',
  '7 cluster unreachable; 8 no such function/revision/rollout; 13 rolled back (a gate failed, the revision failed,',
  'Ctrl-C, timeout, or aborted from another shell): traffic is back to the split from before the rollout.',
].join(' ');

/** Help text from lines: lines join into paragraphs, an empty line starts the next one. */
export function paragraphs(...lines: string[]): string {
  return lines.join(' ').replace(/ {2,}/g, '\n\n').trim();
}

export abstract class RolloutCommand extends FnCommand {
  /** The function: NAME or fn.yaml's name; fn.yaml is optional unless `needConfig`. */
  protected async target(name: string | undefined, flags: {path: string; namespace?: string; context?: string}, needConfig = false): Promise<{name: string; config?: FunctionConfig; cluster: DeployerCluster}> {
    let config: FunctionConfig | undefined;
    try {
      config = await loadFunction(resolve(flags.path));
    } catch (e) {
      if (needConfig || !name || !(e instanceof FnError && e.code === 'NO_FUNCTION')) throw e;
    }
    if (needConfig && name && config && name !== config.name) {
      throw new FnError('ROLLOUT_NAME_MISMATCH', 'usage', `${name} is not the function in ${resolve(flags.path)} (${config.name})`, {
        suggestion: 'leave out NAME, or pass --path to the folder of that function',
      });
    }
    const service = name ?? config!.name;
    const {rolloutCluster} = await import('../factory.js');
    const cluster = await rolloutCluster({namespace: flags.namespace ?? config?.namespace, context: flags.context}, config);
    this.clusters.push(cluster);
    return {name: service, config, cluster};
  }

  private readonly clusters: DeployerCluster[] = [];

  /** How the health gate reaches the canary's tag URL (core/ingress-address.ts). */
  protected async reach(name: string, cluster: DeployerCluster, flags: {context?: string; ingress?: string}) {
    const {functionReach} = await import('../factory.js');
    return (await functionReach({context: flags.context}, {namespace: cluster.namespace, route: name}, flags.ingress)).reach;
  }

  /** Whatever way the command ends, no pod watch is left open to keep the process alive. */
  protected async finally(err: Error | undefined): Promise<any> {
    for (const cluster of this.clusters) cluster.close();
    return super.finally(err);
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
  protected interruptible(): {signal: AbortSignal; dispose(): void} {
    const controller = new AbortController();
    let count = 0;
    const onSignal = (name: NodeJS.Signals) => {
      count++;
      if (count === 1) {
        this.progress.warn(`${name}: rolling back to the prior split (press Ctrl-C again to leave now; then fn rollout abort or resume)`);
        controller.abort();
      } else {
        process.stderr.write('Left the rollout as it is: fn rollout status shows it; fn rollout resume or abort finishes it.\n');
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return {
      signal: controller.signal,
      dispose: () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      },
    };
  }
}

export function renderEvent(event: RolloutEvent, progress: Progress): void {
  switch (event.event) {
    case 'started': {
      const what = event.canary.revisionName ?? event.canary.image ?? 'the new revision';
      const from = event.resumedFromStep === undefined ? '' : ` (resuming at step ${event.resumedFromStep + 1})`;
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
