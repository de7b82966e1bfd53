// The one grammar for each kind of flag value (durations, percentages, counts, step lists), used at
// parse time by ui/flags.ts. Each parser names the bad value and what is accepted, so
// `fn rollout --interval 30` fails before anything touches the cluster.
import {FnError} from './errors.js';

const durationUnits: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** The duration grammar ("500ms", "1m30s"): milliseconds, undefined when text is not one. */
export function durationMs(text: string): number | undefined {
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(text)) !== null) {
    total += Number(match[1]) * durationUnits[match[2]];
    consumed = part.lastIndex;
  }
  return text !== '' && consumed === text.length ? total : undefined;
}

/**
 * "500ms", "30s", "1.5s", "2m", "1m30s", "1h" → milliseconds. A bare number is refused: "30" could
 * mean seconds or milliseconds, and guessing wrong would make a gate meaningless.
 */
export function parseDuration(flag: string, value: string, options: {allowZero?: boolean} = {}): number {
  const text = value.trim();
  const total = durationMs(text);
  if (total === undefined) {
    const bare = /^\d+(?:\.\d+)?$/.test(text);
    throw new FnError('INVALID_DURATION', 'usage', `--${flag} ${JSON.stringify(value)} is not a duration${bare ? ': a unit is required' : ''}`, {
      suggestion: bare ? `--${flag} ${text}s (a number with a unit: ms, s, m or h; e.g. 500ms, 1m30s)` : `pass a number with a unit: ms, s, m or h (e.g. --${flag} 500ms, 30s, 1m30s)`,
    });
  }
  const ms = Math.round(total);
  if (ms === 0 && !options.allowZero) {
    throw new FnError('INVALID_DURATION', 'usage', `--${flag} ${value} must be longer than 0`, {
      suggestion: `pass a positive duration, e.g. --${flag} 30s`,
    });
  }
  return ms;
}

/** "1%", "0.5%", "0%" → a fraction (0.01, 0.005, 0). The % sign is required so 1 can't mean 100%. */
export function parsePercentage(flag: string, value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  const percent = match ? Number(match[1]) : Number.NaN;
  if (!match || percent > 100) {
    throw new FnError('INVALID_PERCENTAGE', 'usage', `--${flag} ${JSON.stringify(value)} is not a percentage between 0% and 100%`, {
      suggestion: `pass a number followed by %, e.g. --${flag} 1% or --${flag} 0.5%`,
    });
  }
  return percent / 100;
}

/**
 * "5,25,50,100" → [5, 25, 50, 100]: whole percentages, strictly increasing, ending at 100 (a rollout
 * that stops halfway would leave the canary serving a share nobody chose to keep).
 */
export function parseSteps(flag: string, value: string): number[] {
  const parts = value.split(',').map((p) => p.trim().replace(/%$/, ''));
  const fail = (why: string): never => {
    throw new FnError('INVALID_STEPS', 'usage', `--${flag} ${JSON.stringify(value)}: ${why}`, {
      suggestion: `pass increasing whole percentages from 1 to 100 ending at 100, e.g. --${flag} 5,25,50,100`,
    });
  };
  const steps = parts.map((p) => {
    if (!/^\d+$/.test(p)) fail(`${JSON.stringify(p)} is not a whole percentage`);
    const n = Number(p);
    if (n < 1 || n > 100) fail(`${n} is outside 1–100`);
    return n;
  });
  steps.forEach((n, i) => {
    if (i > 0 && n <= steps[i - 1]) fail(`${n} does not increase on ${steps[i - 1]}`);
  });
  if (steps.at(-1) !== 100) fail('the last step must be 100');
  return steps;
}

/** A whole number within [min, max], e.g. --requests "20". */
export function parseCount(flag: string, text: string, min: number, max: number): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FnError('INVALID_COUNT', 'usage', `--${flag} ${JSON.stringify(text)} is not a whole number from ${min} to ${max}`, {
      suggestion: `pass a whole number from ${min} to ${max}`,
    });
  }
  return value;
}

/** 1500 → "1.5s", 250 → "250ms", 90000 → "1m30s": for messages, the inverse of parseDuration. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}

/** 0.0123 → "1.23%" */
export function formatRate(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}
