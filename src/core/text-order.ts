// Ordering of names and timestamps. Kubernetes names are lowercase ASCII and its timestamps RFC 3339:
// their code-unit order is the order a reader expects, and String.prototype.localeCompare builds an
// ICU collator on its first call, 8–10 ms of the command that sorts (measured on `fn revisions`).

/** a before b (negative), after (positive) or equal (0), by UTF-16 code units. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
