// The command health gate: run the user's --check-cmd (through the shell) and let its exit code decide.
// It gets the canary's URL, revision and the step in the environment.
import {commandGate, type CheckTarget, type GateResult, type HealthCheck} from '../../core/rollout/gate.js';

export class CommandCheck implements HealthCheck {
  constructor(
    private readonly command: string,
    private readonly timeoutMs: number,
  ) {}

  async check(target: CheckTarget, signal: AbortSignal): Promise<GateResult> {
    const {execa} = await import('execa');
    const result = await execa(this.command, {
      shell: true,
      reject: false,
      all: true,
      stdin: 'ignore',
      timeout: this.timeoutMs,
      cancelSignal: signal,
      env: {
        FN_ROLLOUT_URL: target.url ?? '',
        FN_ROLLOUT_REVISION: target.revisionName,
        FN_ROLLOUT_STEP: String(target.step),
        FN_ROLLOUT_PERCENT: String(target.nextPercent),
      },
    });
    const output = String(result.all ?? '');
    if (result.timedOut) return commandGate(undefined, `timed out after ${this.timeoutMs}ms\n${output}`);
    return commandGate(result.exitCode, output);
  }
}
