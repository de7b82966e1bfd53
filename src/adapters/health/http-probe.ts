// The HTTP health gate: N requests to the canary (its tag URL + --check path, or --check-url), timed
// one by one, judged by evaluateGate. Bounded: at most `requests` requests, each with a timeout.
import {evaluateGate, type CheckTarget, type GateLimits, type GateResult, type HealthCheck, type Sample} from '../../core/rollout/gate.js';
import {isFnError} from '../../core/errors.js';
import type {FunctionEndpoint, IngressAddress} from '../../core/ingress-address.js';
import {requestVia} from '../http/via-ingress.js';

export interface HttpProbeOptions extends GateLimits {
  requests: number;
  /** Requests in flight at once: a little parallelism keeps a large N quick without load-testing. */
  concurrency?: number;
  /** Per-request timeout; a request that takes longer counts as failed. */
  requestTimeoutMs?: number;
  /**
   * How to reach the canary's URL when its host does not resolve (core/ingress-address.ts): the
   * requests then go to the ingress with the canary's Host header.
   */
  reach?: (url: string) => Promise<FunctionEndpoint>;
}

export class HttpProbe implements HealthCheck {
  constructor(private readonly options: HttpProbeOptions) {}

  async check(target: CheckTarget, signal: AbortSignal): Promise<GateResult> {
    if (!target.url) throw new Error('the HTTP health check needs a URL');
    let via: IngressAddress | undefined;
    try {
      via = this.options.reach ? (await this.options.reach(target.url)).via : undefined;
    } catch (e) {
      // No way to reach the canary is a failed gate that says which setting is missing.
      if (!isFnError(e)) throw e;
      return {...evaluateGate([], this.options), failures: [`${e.message}${e.suggestion ? `: ${e.suggestion}` : ''}`]};
    }
    const samples = await probe(target.url, this.options, signal, via);
    return evaluateGate(samples, this.options);
  }
}

export async function probe(url: string, options: HttpProbeOptions, signal: AbortSignal, via?: IngressAddress): Promise<Sample[]> {
  const timeoutMs = options.requestTimeoutMs ?? Math.min(30_000, Math.max(2_000, options.maxP95Ms * 4));
  const samples: Sample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.requests && !signal.aborted) {
      next++;
      samples.push(await once(url, timeoutMs, signal, via));
    }
  };
  await Promise.all(Array.from({length: Math.min(options.concurrency ?? 4, options.requests)}, worker));
  return samples;
}

async function once(url: string, timeoutMs: number, signal: AbortSignal, via: IngressAddress | undefined): Promise<Sample> {
  const started = performance.now();
  const requestSignal = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  try {
    if (via) {
      const res = await requestVia(url, via, {signal: requestSignal, headers: {'user-agent': 'fn-rollout'}});
      return {status: res.status, latencyMs: performance.now() - started};
    }
    const res = await fetch(url, {signal: requestSignal, headers: {'user-agent': 'fn-rollout'}, redirect: 'manual'});
    await res.arrayBuffer();
    return {status: res.status, latencyMs: performance.now() - started};
  } catch (e: any) {
    const reason = e?.name === 'TimeoutError' ? `timed out after ${timeoutMs}ms` : (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(e));
    return {latencyMs: performance.now() - started, error: reason};
  }
}
