// The terminal view of Progress, as kn shows a deploy: one live line per phase (spinner, title, its
// latest status, elapsed time) rewritten in place with a carriage return and erase-line, settled with
// ✔ (or ✖) when the next phase begins or the command ends, and a last "Done in …" line. Lines that stay
// (notes, warnings) are written above the live line. Pure: each call returns what to write, the clock
// and the width are given, so tests need no terminal.
import type {ChalkInstance} from 'chalk';
import {elideEnd, elideMiddle, visibleLength} from './terminal.js';

/** Return to the line's start and erase it: how a live line is replaced. */
export const REPLACE_LINE = '\r\x1b[2K';
export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface LiveViewOptions {
  now: () => number;
  /** The terminal's columns: a live line must never wrap, or it could not be replaced. */
  width: () => number;
  paint: ChalkInstance;
  /** Where "Done in …" counts from (the command's start); default: the first step. */
  startedAt?: number;
}

interface Phase {
  title: string;
  status?: string;
  startedAt: number;
}

export function elapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

export class LiveView {
  private phase?: Phase;
  private frame = 0;
  private firstStartedAt?: number;

  constructor(private readonly options: LiveViewOptions) {}

  get active(): boolean {
    return this.phase !== undefined;
  }

  /**
   * A new phase: the current one is settled, the new one becomes the live line. `since`: when the new
   * phase began, if before now (then the current one ended then).
   */
  step(title: string, since?: number): string {
    const now = since ?? this.options.now();
    const settled = this.settle('done', now);
    this.firstStartedAt ??= this.options.startedAt ?? now;
    this.phase = {title, startedAt: now};
    return settled + this.live();
  }

  /** The live phase's latest state (without one, a line that stays). */
  status(text: string): string {
    if (!this.phase) return this.line(text);
    this.phase.status = text;
    return this.live();
  }

  /** A line that stays, written above the live line. */
  line(text: string): string {
    return `${REPLACE_LINE}${text}\n${this.phase ? this.live() : ''}`;
  }

  /** The spinner's next frame and the elapsed time. */
  tick(): string {
    if (!this.phase) return '';
    this.frame = (this.frame + 1) % SPINNER.length;
    return this.live();
  }

  /** The command ends: the live phase settles; when it went well and phases ran, "Done in …" for all of them. */
  end(outcome: 'done' | 'failed'): string {
    const settled = this.settle(outcome);
    const startedAt = this.firstStartedAt;
    this.firstStartedAt = undefined;
    if (outcome !== 'done' || startedAt === undefined) return settled;
    return `${settled}${this.options.paint.green('✔')} Done in ${elapsed(this.options.now() - startedAt)}\n`;
  }

  private settle(outcome: 'done' | 'failed', at = this.options.now()): string {
    const phase = this.phase;
    if (!phase) return '';
    this.phase = undefined;
    const {paint} = this.options;
    const mark = outcome === 'done' ? paint.green('✔') : paint.red('✖');
    // A failed phase keeps its last status: it is what was happening when it failed.
    return `${REPLACE_LINE}${this.compose(mark, phase.title, outcome === 'failed' ? phase.status : undefined, elapsed(at - phase.startedAt))}\n`;
  }

  private live(): string {
    const phase = this.phase!;
    return REPLACE_LINE + this.compose(this.options.paint.cyan(SPINNER[this.frame]), phase.title, phase.status, elapsed(this.options.now() - phase.startedAt));
  }

  /** "mark title  status  time" in one line short of the width: the title keeps at least half of it (eliding its middle), the status the rest (eliding its end). */
  private compose(mark: string, title: string, status: string | undefined, time: string): string {
    const {paint} = this.options;
    const room = Math.max(20, this.options.width() - 1) - visibleLength(mark) - 1 - 2 - time.length;
    let shownStatus = status?.trim() ?? '';
    const statusRoom = shownStatus ? 2 + visibleLength(shownStatus) : 0;
    const shownTitle = visibleLength(title) + statusRoom <= room ? title : elideMiddle(title, Math.max(Math.ceil(room / 2), room - statusRoom));
    const left = room - visibleLength(shownTitle) - 2;
    if (shownStatus) shownStatus = left >= 8 ? elideEnd(shownStatus, left) : '';
    return `${mark} ${shownTitle}${shownStatus ? `  ${paint.dim(shownStatus)}` : ''}  ${paint.dim(time)}`;
  }
}
