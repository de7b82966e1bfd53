// Flags shared by several commands, and typed flags: each value is parsed by core/flag-values.ts's one
// grammar when oclif parses the command line, so a command's run() only sees checked, typed values.
import {Flags} from '@oclif/core';
import {formatDuration, parseCount, parseDuration, parsePercentage, parseSteps} from '../core/flag-values.js';

export const pathFlag = Flags.string({char: 'p', description: 'function folder (holds fn.yaml)', default: '.'});

/** fn build's and fn deploy's builder (core/builder-choice.ts decides when it is not given). */
export const builderFlag = Flags.string({
  description: 'docker: through the Docker engine; host: on this machine without a daemon, pushed straight to the registry (default: docker when an engine answers, else host)',
  options: ['docker', 'host'],
});

interface DurationOptions {
  description: string;
  allowZero?: boolean;
}

/** A duration such as 500ms, 30s, 1m30s or 1h, as milliseconds (undefined when not given). */
export function optionalDurationFlag({allowZero, ...rest}: DurationOptions) {
  return Flags.custom<number>({...rest, parse: async (input, _context, flag) => parseDuration(flag.name, input, {allowZero})})();
}

/** A duration such as 500ms, 30s, 1m30s or 1h, as milliseconds. */
export function durationFlag({allowZero, default: defaultMs, ...rest}: DurationOptions & {default: number}) {
  return Flags.custom<number>({
    ...rest,
    default: defaultMs,
    defaultHelp: async () => formatDuration(defaultMs),
    parse: async (input, _context, flag) => parseDuration(flag.name, input, {allowZero}),
  })();
}

/** A percentage with its % sign (1%, 0.5%), as a fraction. */
export function percentageFlag(options: {description: string; default: number}) {
  const {default: fraction, ...rest} = options;
  return Flags.custom<number>({
    ...rest,
    default: fraction,
    defaultHelp: async () => `${Number((fraction * 100).toFixed(4))}%`,
    parse: async (input, _context, flag) => parsePercentage(flag.name, input),
  })();
}

/** A whole number within [min, max]. */
export function countFlag(options: {description: string; default: number; min: number; max: number}) {
  const {min, max, ...rest} = options;
  return Flags.custom<number>({
    ...rest,
    parse: async (input, _context, flag) => parseCount(flag.name, input, min, max),
  })();
}

/** A whole number within [min, max] (undefined when not given). */
export function optionalCountFlag(options: {description: string; min: number; max: number}) {
  const {min, max, ...rest} = options;
  return Flags.custom<number>({...rest, parse: async (input, _context, flag) => parseCount(flag.name, input, min, max)})();
}

/** Increasing whole percentages ending at 100 (5,25,50,100); readonly, which oclif types as one value. */
export function stepsFlag(options: {description: string; default: readonly number[]}) {
  const {default: steps, ...rest} = options;
  return Flags.custom<readonly number[]>({
    ...rest,
    default: steps,
    defaultHelp: async () => steps.join(','),
    parse: async (input, _context, flag) => parseSteps(flag.name, input),
  })();
}

/** FN_<FLAG>: the environment variable a flag also reads (--no-traffic → FN_NO_TRAFFIC). */
export function envName(flag: string): string {
  return `FN_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * A command's flags, each also read from FN_<FLAG> (oclif lists it in --help as "env: FN_…"). Precedence:
 * the flag, then the variable, then fn.yaml (the commands fall back to it when neither is given), then
 * the default. For pipelines: FN_REGISTRY, FN_NAMESPACE, FN_INGRESS… once for every step.
 */
export function withEnv<T extends Record<string, object>>(flags: T): T {
  return Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, {...flag, env: (flag as {env?: string}).env ?? envName(name)}])) as T;
}
