// Progress for humans on stderr; nothing at all with --json (warnings aside). For a command with live
// progress on a terminal (not CI, not --verbose, TERM not dumb) each step is a live line (ui/live-view.ts); anywhere else — a CI log,
// a pipe, --verbose — every step, status and note is a plain line, a status never twice in a row.
import type {Progress} from '../core/ports.js';
import {LiveView} from './live-view.js';
import {liveWidth, paintFor} from './terminal.js';

/** Progress that a command settles before it prints its result, or fails when it reports an error. */
export interface CommandProgress extends Progress {
  /** Settles the live line (✔ and "Done in …", or ✖ for 'failed'); nothing to do for a plain log. */
  close(outcome: 'done' | 'failed'): void;
}

const SPIN_MS = 100;

export function stderrProgress(options: {verbose?: boolean; quiet?: boolean; live?: boolean; env?: NodeJS.ProcessEnv} = {}): CommandProgress {
  const env = options.env ?? process.env;
  const tty = Boolean(process.stderr.isTTY) && !env.CI;
  const write = (text: string) => {
    if (text) process.stderr.write(text);
  };
  if (options.live && !options.quiet && tty && !options.verbose && env.TERM !== 'dumb') return liveProgress(write, env);

  let lastStatus: string | undefined;
  const line = (prefix: string, message: string) => {
    if (!options.quiet) write(`${tty ? prefix : ''}${message}\n`);
  };
  return {
    step: (m) => {
      lastStatus = undefined;
      line('› ', m);
    },
    status: (m) => {
      if (m === lastStatus) return;
      lastStatus = m;
      line('  ', m);
    },
    info: (m) => line('  ', m),
    warn: (m) => write(`${options.quiet ? '' : 'Warning: '}${m}\n`),
    detail: (m) => {
      if (options.verbose) line('  │ ', m);
    },
    close: () => undefined,
  };
}

function liveProgress(write: (text: string) => void, env: NodeJS.ProcessEnv): CommandProgress {
  const paint = paintFor('stderr', env);
  // "Done in …" is the whole wait, from the process's start (connecting and applying come before any step).
  const view = new LiveView({now: Date.now, width: () => liveWidth(process.stderr, env), paint, startedAt: performance.timeOrigin});
  let timer: NodeJS.Timeout | undefined;
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    step: (m, since) => {
      write(view.step(m, since));
      // The spinner turns and the time runs while a phase is live; never keeps the process alive.
      timer ??= setInterval(() => write(view.tick()), SPIN_MS);
      timer.unref();
    },
    status: (m) => write(view.status(m)),
    info: (m) => write(view.line(m)),
    warn: (m) => write(view.line(`${paint.yellow('Warning:')} ${m}`)),
    detail: () => undefined,
    close: (outcome) => {
      stopTimer();
      write(view.end(outcome));
    },
  };
}
