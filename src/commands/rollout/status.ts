import {hostname} from 'node:os';
import {rolloutStatus} from '../../core/rollout/control.js';
import {describeTraffic} from '../../core/traffic.js';
import {formatDuration, formatRate} from '../../core/flag-values.js';
import {canaryPercent} from '../../core/rollout/state.js';
import {ownerAlive} from '../../ui/rollout-health.js';
import {RolloutCommand, rolloutArgs, rolloutTargetFlags} from '../../ui/rollout-command.js';
import {withEnv} from '../../ui/flags.js';

export default class RolloutStatus extends RolloutCommand {
  static summary = 'Show a function\'s rollout: step, canary, gate results, owner, and the traffic Knative routes now.';
  static description = 'Reads the fn.dev/rollout annotation of the Service. Exit codes: 0 shown (even when there is no rollout); 8 no such function.';
  static examples = ['<%= config.bin %> rollout status', '<%= config.bin %> rollout status hello --json'];
  static args = rolloutArgs;
  static flags = withEnv({...rolloutTargetFlags});

  async run() {
    const {args, flags} = await this.parse(RolloutStatus);
    const {ref, knative} = await this.target(args.name, flags);
    const {name} = ref;
    const view = await rolloutStatus(knative, ref, hostname(), ownerAlive);
    if (!this.jsonEnabled()) {
      const r = view.rollout;
      if (!r) this.log(`${name} has no rollout.`);
      else {
        this.log(`Rollout of ${r.canary.revisionName ?? r.canary.image ?? 'a new revision'} on ${name}: ${r.status}${r.reason ? ` (${r.reason})` : ''}`);
        this.log(`  steps     ${r.steps.map((s, i) => (i === r.step ? `[${s}%]` : `${s}%`)).join(' → ')}  (canary at ${canaryPercent(r)}%)`);
        this.log(`  gate      ${r.settings.check.kind === 'command' ? '--check-cmd' : `${r.settings.requests} × GET ${r.settings.check.url ?? `<${r.canary.tag ?? 'tag'} URL>`}${r.settings.check.path}`}, max error rate ${formatRate(r.settings.maxErrorRate)}, max p95 ${formatDuration(r.settings.maxP95Ms)}, every ${formatDuration(r.settings.intervalMs)}`);
        if (r.lastGate) this.log(`  last gate ${r.lastGate.passed ? 'passed' : 'failed'} before step ${r.lastGate.step + 1}: ${r.lastGate.errors}/${r.lastGate.requests} failed${r.lastGate.p95Ms === undefined ? '' : `, p95 ${formatDuration(r.lastGate.p95Ms)}`}`);
        this.log(`  prior     ${describeTraffic(r.prior)}`);
        this.log(`  owner     pid ${r.owner.pid} on ${r.owner.host}${view.ownerAlive === undefined ? '' : view.ownerAlive ? ' (running)' : ' (gone: fn rollout resume or abort)'}; updated ${r.updatedAt}`);
      }
      this.log(`  traffic   ${describeTraffic(view.traffic)}`);
    }
    return view;
  }
}
