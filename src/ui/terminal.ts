// What a terminal gets and a log does not: colour (a TTY only, never with NO_COLOR or TERM=dumb) and
// lines that fit its width. Pure but for the defaults read from process.env and the stream.
import {Chalk, supportsColor, supportsColorStderr, type ChalkInstance} from 'chalk';
import {stripVTControlCharacters} from 'node:util';

export type ColourLevel = 0 | 1 | 2 | 3;

interface Stream {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Colour for a stream: none unless it is a terminal, none when NO_COLOR is set to anything but ""
 * (no-color.org) or TERM is dumb; else what the terminal supports, at least the 16 basic colours.
 */
export function colourLevel(stream: Stream, env: NodeJS.ProcessEnv = process.env, detected = 0): ColourLevel {
  if (!stream.isTTY || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb') return 0;
  return Math.min(3, Math.max(1, detected)) as ColourLevel;
}

/** A chalk instance for stdout or stderr, by colourLevel. */
export function paintFor(which: 'stdout' | 'stderr', env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const stream = which === 'stdout' ? process.stdout : process.stderr;
  const detected = (which === 'stdout' ? supportsColor : supportsColorStderr) || undefined;
  return new Chalk({level: colourLevel(stream, env, detected?.level ?? 0)});
}

/** A state as people read it: ready/True green, failed/False red, unknown/pending yellow; anything else as it is. */
export function paintState(paint: ChalkInstance, text: string): string {
  if (/^(True|ready)\b/i.test(text)) return paint.green(text);
  if (/^(False|failed|not ready)\b/i.test(text)) return paint.red(text);
  if (/^(Unknown|pending)\b/i.test(text)) return paint.yellow(text);
  return text;
}

/** Columns a table may use: COLUMNS when set, else the terminal's width; undefined (no limit) for a pipe. */
export function tableWidth(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const columns = Number(env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}

/** Columns a live line may use: the terminal's own width (a wrapped line cannot be replaced), else COLUMNS, else 80. */
export function liveWidth(stream: Stream = process.stderr, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.columns && stream.columns > 0) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : 80;
}

/** Width on screen, colour codes left out. */
export function visibleLength(text: string): number {
  return [...stripVTControlCharacters(text)].length;
}

/** `text` in at most `width` characters, its middle replaced by "…" (an image keeps its registry and its digest's end). */
export function elideMiddle(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, Math.max(0, width));
  const keep = width - 1;
  const head = Math.ceil(keep / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}

/** `text` in at most `width` characters, its end replaced by "…". */
export function elideEnd(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, Math.max(0, width));
  return `${chars.slice(0, width - 1).join('')}…`;
}
