// Plain aligned columns (like kubectl/kn): header in capitals, two spaces between columns. Given a
// width, the columns that may shrink (an image, a reason) are elided until the table fits; given a
// painter, cells are coloured after they are padded, so colour never moves a column.
import {elideEnd, elideMiddle, paintFor, paintState, tableWidth, visibleLength} from './terminal.js';

export interface TableOptions<K extends string> {
  /** Columns the table may use (undefined: as wide as its cells). */
  width?: number;
  /** Columns that may shrink to fit, and where their cells lose characters: the middle (images, URLs) or the end. */
  shrink?: Partial<Record<K, 'middle' | 'end'>>;
  /** Colours a cell (its text already padded); the header is left as it is. */
  paint?: (column: K, text: string, value: string) => string;
}

/** A shrinking column keeps at least this many characters (or its header's). */
const MIN_SHRUNK = 12;

export function table<T extends Record<string, unknown>>(rows: T[], columns: (keyof T & string)[], headers?: string[], options: TableOptions<keyof T & string> = {}): string {
  const head = headers ?? columns.map((c) => c.toUpperCase());
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined || r[c] === null ? '' : String(r[c]))));
  const widths = head.map((h, i) => Math.max(visibleLength(h), ...cells.map((row) => visibleLength(row[i]))));
  fit(widths, head, columns, options);
  const text = (i: number, cell: string) => {
    const how = options.shrink?.[columns[i]];
    if (visibleLength(cell) <= widths[i] || !how) return cell;
    return how === 'middle' ? elideMiddle(cell, widths[i]) : elideEnd(cell, widths[i]);
  };
  const line = (row: string[], body: boolean) =>
    row
      .map((cell, i) => {
        const shown = text(i, cell);
        const padded = i === row.length - 1 ? shown : shown + ' '.repeat(Math.max(0, widths[i] - visibleLength(shown)));
        return body && options.paint ? options.paint(columns[i], padded, cell) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(head, false), ...cells.map((row) => line(row, true))].join('\n');
}

/** Narrows the shrinkable columns, widest first, until the table fits `options.width` (or they are at their minimum). */
function fit<K extends string>(widths: number[], head: string[], columns: K[], options: TableOptions<K>): void {
  if (!options.width || !options.shrink) return;
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const floor = (i: number) => Math.max(MIN_SHRUNK, visibleLength(head[i]));
  const shrinkable = columns.map((c, i) => (options.shrink?.[c] ? i : -1)).filter((i) => i >= 0);
  let excess = total() - options.width;
  while (excess > 0) {
    const widest = shrinkable.filter((i) => widths[i] > floor(i)).sort((a, b) => widths[b] - widths[a])[0];
    if (widest === undefined) return;
    const next = shrinkable.filter((i) => i !== widest && widths[i] > floor(widest)).reduce((m, i) => Math.max(m, widths[i]), floor(widest));
    const by = Math.min(excess, widths[widest] - Math.max(next, floor(widest)) || 1);
    widths[widest] -= by;
    excess -= by;
  }
}

/** Columns that hold a state (True/False/Unknown, ready/failed): coloured on a terminal. */
const STATE_COLUMNS = new Set(['ready', 'status']);

/**
 * A table for stdout as a person reads it: states coloured on a terminal (ui/terminal.ts), and fitted to
 * COLUMNS or the terminal's width by eliding the `shrink` columns; `wide` (-o wide) keeps every cell whole.
 */
export function screenTable<T extends Record<string, unknown>>(
  rows: T[],
  columns: (keyof T & string)[],
  options: {headers?: string[]; shrink?: TableOptions<keyof T & string>['shrink']; wide?: boolean} = {},
): string {
  const paint = paintFor('stdout');
  return table(rows, columns, options.headers, {
    width: options.wide ? undefined : tableWidth(),
    shrink: options.shrink,
    paint: paint.level > 0 ? (column, text) => (STATE_COLUMNS.has(column) ? paintState(paint, text) : text) : undefined,
  });
}
