// Builds the health gate a rollout's settings ask for: the HTTP probe or the command check.
// Commands get it through the factory (healthGates), which loads this module lazily.
import {FnError} from '../../core/errors.js';
import type {HealthCheck} from '../../core/rollout/gate.js';
import type {RolloutSettings} from '../../core/rollout/state.js';
import {HttpProbe, type HttpProbeOptions} from './http-probe.js';
import {CommandCheck} from './command-check.js';

/** The gate for these settings; a command gate needs the command again (it is never stored). */
export function healthFor(settings: RolloutSettings, checkCmd: string | undefined, reach?: HttpProbeOptions['reach']): HealthCheck {
  if (settings.check.kind === 'command') {
    if (!checkCmd) {
      throw new FnError('ROLLOUT_NEEDS_CHECK_CMD', 'usage', 'this rollout gates on a command, which is not stored on the Service', {
        suggestion: 'pass the same --check-cmd again',
      });
    }
    return new CommandCheck(checkCmd, settings.timeoutMs);
  }
  if (checkCmd) {
    throw new FnError('ROLLOUT_CHECK_MISMATCH', 'usage', 'this rollout gates on HTTP checks, not on a command', {suggestion: 'leave out --check-cmd'});
  }
  // The canary's own tag URL may not resolve (a fresh kind/minikube): reach it through the ingress.
  // A --check-url is the user's own endpoint and is requested as given.
  const viaIngress = settings.check.url ? undefined : reach;
  return new HttpProbe({requests: settings.requests, maxErrorRate: settings.maxErrorRate, maxP95Ms: settings.maxP95Ms, ...(viaIngress ? {reach: viaIngress} : {})});
}
