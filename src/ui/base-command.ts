// Every fn command: --json (the command's return value), --verbose, and one way to report errors:
// message, "Try:" next step, the documented exit code. Never prompts when CI is set or stdin is no TTY.
import {Command, Flags, Errors} from '@oclif/core';
import type {Input, ParserOutput} from '@oclif/core/interfaces';
import {stripVTControlCharacters} from 'node:util';
import {FnError, toFnError, ExitCode} from '../core/errors.js';
import type {Progress} from '../core/ports.js';
import {stderrProgress, type CommandProgress} from './progress.js';

/** oclif's parsed flags and args: name → value. */
type Output = {[name: string]: any};

export abstract class FnCommand extends Command {
  static enableJsonFlag = true;

  static baseFlags = {
    verbose: Flags.boolean({char: 'v', description: 'Show detailed progress (build logs, API calls).', helpGroup: 'GLOBAL', env: 'FN_VERBOSE'}),
  };

  /**
   * Commands whose progress is a few phases (build, push, apply, wait): on a terminal, one live line per
   * phase (ui/live-view.ts). Others (logs -f, run) write output of their own while they work: plain lines.
   */
  static liveProgress = false;

  private progressInstance?: CommandProgress;

  /** Progress on stderr; silent under --json so stdout stays one JSON document. */
  protected get progress(): Progress {
    this.progressInstance ??= stderrProgress({verbose: this.verbose, quiet: this.jsonEnabled(), live: (this.constructor as typeof FnCommand).liveProgress});
    return this.progressInstance;
  }

  /** The result goes below the settled progress, never onto its live line. */
  public log(message = '', ...args: unknown[]): void {
    this.progressInstance?.close('done');
    super.log(message, ...args);
  }

  protected async finally(err: Error | undefined): Promise<any> {
    this.progressInstance?.close(err ? 'failed' : 'done');
    return super.finally(err);
  }

  /**
   * Flags from FN_<FLAG> yield to the command line: a variable whose flag is exclusive with one typed
   * on the command line is not read (FN_REGISTRY set for a pipeline, `--image` in one step: the image
   * wins, no "cannot also be provided"). Two such variables together are still refused.
   * Arguments never come from stdin: for a missing argument, oclif otherwise reads piped stdin (a
   * pipeline's input, meant for something else, became the function's name) and, with nothing there,
   * waits 10 ms for it, on every run in CI and scripts.
   */
  protected async parse<F extends Output, B extends Output, A extends Output>(options?: Input<F, B, A>, argv: string[] = this.argv): Promise<ParserOutput<F, B, A>> {
    for (const arg of Object.values(options?.args ?? {})) (arg as {ignoreStdin?: boolean}).ignoreStdin = true;
    const definitions = (options?.flags ?? (this.constructor as typeof Command).flags ?? {}) as Record<string, {char?: string; env?: string; exclusive?: string[]}>;
    const typed = new Set(
      Object.entries(definitions)
        .filter(([name, flag]) => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || (flag.char && /^-[^-]/.test(a) && a[1] === flag.char)))
        .map(([name]) => name),
    );
    const hidden: Record<string, string> = {};
    const clashes = (a: string, b: string) => Boolean(definitions[a].exclusive?.includes(b) || definitions[b].exclusive?.includes(a));
    for (const [other, flag] of Object.entries(definitions)) {
      const variable = flag.env;
      if (!variable || typed.has(other) || process.env[variable] === undefined) continue;
      if ([...typed].some((name) => clashes(name, other))) {
        hidden[variable] = process.env[variable] as string;
        delete process.env[variable];
      }
    }
    try {
      return await super.parse(options, argv);
    } finally {
      Object.assign(process.env, hidden);
    }
  }

  /** --verbose (-v) or FN_VERBOSE, known before (and without) parsing the flags. */
  protected get verbose(): boolean {
    return this.argv.includes('--verbose') || this.argv.includes('-v') || /^(1|true|yes)$/i.test(process.env.FN_VERBOSE ?? '');
  }

  /** True when we may ask the user a question. */
  protected get interactive(): boolean {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI;
  }

  /**
   * The one confirmation of a destructive step: true with --yes; asks on a terminal (default no); in
   * CI or without a terminal it refuses with exit 2 and `suggestion` (e.g. pass --yes), never waiting.
   */
  protected async confirmed(options: {yes: boolean; question: string; action: string; suggestion: string}): Promise<boolean> {
    if (options.yes) return true;
    if (!this.interactive) {
      throw new FnError('CONFIRMATION_REQUIRED', 'usage', `${options.action} needs confirmation, and this is not an interactive terminal`, {
        suggestion: options.suggestion,
      });
    }
    const {confirm} = await import('@inquirer/prompts');
    return confirm({message: options.question, default: false});
  }

  protected async catch(err: Error & {exitCode?: number}): Promise<any> {
    this.progressInstance?.close('failed');
    reportError(fromOclif(err), {json: this.jsonEnabled(), verbose: this.verbose});
  }
}

/** How fn reports an error, for commands and for hooks: JSON on stdout, or "Error:"/"Try:" on stderr; sets the exit code. */
export function reportError(error: FnError, options: {json: boolean; verbose: boolean}): void {
  if (options.json) {
    process.stdout.write(JSON.stringify({error: error.toJSON()}, null, 2) + '\n');
  } else {
    process.stderr.write(`Error: ${error.message}\n`);
    if (error.suggestion) process.stderr.write(`Try: ${error.suggestion}\n`);
    if (error.exitCode === ExitCode.unexpected && error.cause instanceof Error && error.cause.stack) {
      process.stderr.write(`${options.verbose ? error.cause.stack : '(run with --verbose for the stack trace)'}\n`);
    }
  }
  process.exitCode = error.exitCode;
}

/** oclif's own parse errors (unknown flag, missing arg, bad option) are usage errors: exit 2. */
export function fromOclif(err: Error & {oclif?: {exit?: number}}): FnError {
  if (err instanceof FnError) {
    // A typed flag's parser threw it, and oclif wrapped its message in "Parsing --flag … See more help".
    const wrapped = /^Parsing --\S+ \n\t([\s\S]*)\nSee more help with --help$/.exec(err.message);
    if (wrapped) err.message = wrapped[1];
    return err;
  }
  if (err instanceof Errors.ExitError) return new FnError('EXIT', 'unexpected', err.message);
  const parseError = err.constructor?.name?.match(/Flag|Arg|Parse|Option|Required|Exclusive|Nonexistent|Failed/) || err.oclif?.exit === 2;
  if (parseError) {
    // A flag relationship's failure (exclusive, dependsOn…) says what is wrong on the lines after its heading.
    const [first, ...rest] = stripVTControlCharacters(err.message).split('\n');
    const reasons = /^The following errors? occurred:$/.test(first) ? rest.filter((l) => /^\s/.test(l)).map((l) => l.trim()) : [];
    return new FnError('USAGE', 'usage', reasons.length ? reasons.join('; ') : first, {suggestion: 'see --help for the accepted flags and arguments', details: {detail: err.message}});
  }
  return toFnError(err);
}
