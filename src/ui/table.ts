// Plain aligned columns (like kubectl/kn): header in capitals, two spaces between columns.
export function table<T extends Record<string, unknown>>(rows: T[], columns: (keyof T & string)[], headers?: string[]): string {
  const head = headers ?? columns.map((c) => c.toUpperCase());
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined || r[c] === null ? '' : String(r[c]))));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}
