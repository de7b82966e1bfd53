// A health gate: decide from measured samples whether the canary may take the next step.
import {formatDuration, formatRate} from '../flag-values.js';

/** One health-check request as measured by a probe. */
export interface Sample {
  /** HTTP status, absent when no answer came (refused, reset, timed out). */
  status?: number;
  latencyMs: number;
  /** Why no answer came. */
  error?: string;
}

export interface GateLimits {
  /** Highest accepted share of failed requests, 0–1. */
  maxErrorRate: number;
  /** Highest accepted 95th-percentile latency in ms. */
  maxP95Ms: number;
}

export interface GateResult {
  passed: boolean;
  requests: number;
  errors: number;
  errorRate: number;
  /** 95th percentile of the answered requests' latency; absent when nothing answered. */
  p95Ms?: number;
  /** Human reasons the gate failed (empty when it passed). */
  failures: string[];
  /** A few distinct error descriptions, for the report. */
  sampleErrors: string[];
}

/** A request counts as failed when nothing answered or the answer is not 2xx/3xx. */
export function isFailure(sample: Sample): boolean {
  return sample.status === undefined || sample.status < 200 || sample.status >= 400;
}

/** Nearest-rank percentile (no interpolation: the value is one that was really measured). */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function evaluateGate(samples: Sample[], limits: GateLimits): GateResult {
  const failed = samples.filter(isFailure);
  const errorRate = samples.length === 0 ? 1 : failed.length / samples.length;
  const answered = samples.filter((s) => s.status !== undefined).map((s) => s.latencyMs);
  const p95Ms = percentile(answered, 95);
  const failures: string[] = [];
  if (samples.length === 0) failures.push('no health-check request was made');
  else if (errorRate > limits.maxErrorRate) {
    failures.push(`error rate ${formatRate(errorRate)} (${failed.length}/${samples.length}) is above --max-error-rate ${formatRate(limits.maxErrorRate)}`);
  }
  if (p95Ms !== undefined && p95Ms > limits.maxP95Ms) {
    failures.push(`p95 latency ${formatDuration(p95Ms)} is above --max-p95 ${formatDuration(limits.maxP95Ms)}`);
  }
  const sampleErrors = [...new Set(failed.map((s) => s.error ?? `HTTP ${s.status}`))].slice(0, 3);
  return {passed: failures.length === 0, requests: samples.length, errors: failed.length, errorRate, ...(p95Ms === undefined ? {} : {p95Ms: round(p95Ms)}), failures, sampleErrors};
}

/** The result of a user's --check-cmd: its exit code decides. */
export function commandGate(exitCode: number | undefined, output: string): GateResult {
  const passed = exitCode === 0;
  const tail = output.trim().split('\n').slice(-3).join(' | ');
  return {
    passed,
    requests: 1,
    errors: passed ? 0 : 1,
    errorRate: passed ? 0 : 1,
    failures: passed ? [] : [`--check-cmd ${exitCode === undefined ? 'was killed' : `exited ${exitCode}`}${tail ? `: ${tail}` : ''}`],
    sampleErrors: [],
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** What a health check measures: the canary before it moves to `nextPercent`. */
export interface CheckTarget {
  /** URL of the canary's tag (or --check-url) joined with --check path. */
  url?: string;
  revisionName: string;
  /** The percent the canary would move to if the gate passes. */
  nextPercent: number;
  /** 1-based number of the step this gate guards. */
  step: number;
}

/** The health check port: HTTP probes or the user's --check-cmd (src/adapters/health). */
export interface HealthCheck {
  /** Measures the canary and judges it; must stop promptly when `signal` aborts. */
  check(target: CheckTarget, signal: AbortSignal): Promise<GateResult>;
}
