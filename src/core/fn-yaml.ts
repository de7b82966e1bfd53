// Reading fn.yaml text safely: a size cap, a duplicate-key check that stays linear, and an alias
// limit, each a usage error naming the file. Shared by the full load (function.ts) and the light one
// of the cluster commands (function-target.ts), so a hostile file is refused the same way by both.
import {open} from 'node:fs/promises';
import {LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node} from 'yaml';
import {FnError} from './errors.js';

/** fn.yaml is a page of settings; 1 MiB leaves room for long env lists and keeps a parse under a second. */
export const MAX_FN_YAML_BYTES = 1024 * 1024;
/** yaml's default: a document may expand its aliases to at most this many nodes (billion laughs). */
const MAX_ALIAS_COUNT = 100;

export interface FnYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  /** The plain JS value of the document ({} for an empty file). */
  data: unknown;
}

function tooLarge(file: string, bytes: number): FnError {
  return new FnError('FN_YAML_TOO_LARGE', 'usage', `${file} is ${bytes} bytes; fn.yaml may be at most 1 MiB (${MAX_FN_YAML_BYTES} bytes)`, {
    suggestion: `move large values out of ${file} (e.g. into a ConfigMap or Secret, referenced with configMapKeyRef / secretKeyRef)`,
    details: {file, bytes, limit: MAX_FN_YAML_BYTES},
  });
}

/** fn.yaml's text, refusing a file over the cap without reading all of it. ENOENT is thrown as is. */
export async function readFnYaml(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const {size} = await handle.stat();
    if (size > MAX_FN_YAML_BYTES) throw tooLarge(file, size);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function invalid(file: string, lines: LineCounter, offset: number, message: string, field?: string): FnError {
  const {line, col} = lines.linePos(offset);
  return new FnError('INVALID_FN_YAML', 'usage', `${file}:${line}:${col}: ${field ? `${field} ` : ''}${message}`, {
    suggestion: `fix ${file} at that line`,
    details: {file, line, column: col, ...(field ? {field} : {})},
  });
}

/** `a.b[0].c` of the node under `path` (a visitor's ancestors: documents, maps, pairs, sequences). */
function fieldOf(path: readonly unknown[]): string {
  let field = '';
  for (let i = 0; i < path.length - 1; i++) {
    const [node, next] = [path[i], path[i + 1]];
    if (isSeq(node)) field += `[${node.items.indexOf(next as never)}]`;
    else if (isMap(node)) {
      const key = (next as {key?: unknown}).key;
      field += `${field ? '.' : ''}${isScalar(key) ? String(key.value) : String(key)}`;
    }
  }
  return field;
}

/**
 * Duplicate map keys, one Set per map: the yaml library's own check (uniqueKeys) compares each key
 * with all earlier ones, which made a 1 MB file take half a minute.
 */
function assertUniqueKeys(doc: Document.Parsed, lines: LineCounter, file: string): void {
  visit(doc, {
    Map(_key, map, path) {
      const seen = new Map<string, Node | undefined>();
      for (const pair of map.items) {
        const keyNode = pair.key as Node | undefined;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const first = seen.get(key);
        if (seen.has(key)) {
          const firstLine = lines.linePos(first?.range?.[0] ?? 0).line;
          const parent = fieldOf([...path, map]);
          throw invalid(file, lines, keyNode?.range?.[0] ?? 0, `duplicate key "${key}" (first at line ${firstLine}): each key may appear once`, parent ? `${parent}.${key}` : key);
        }
        seen.set(key, keyNode);
      }
    },
  });
}

/** Parse fn.yaml text: syntax, size, duplicate keys and aliases checked; positions kept for errors. */
export function parseFnYaml(text: string, file: string): FnYaml {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_FN_YAML_BYTES) throw tooLarge(file, bytes);
  const lines = new LineCounter();
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: false});
  if (doc.errors.length) {
    const err = doc.errors[0];
    throw invalid(file, lines, err.pos[0], err.message.split('\n')[0]);
  }
  assertUniqueKeys(doc, lines, file);
  let data: unknown;
  try {
    data = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT});
  } catch (e) {
    // yaml refuses aliases that expand past maxAliasCount (ReferenceError): the file is at fault.
    throw new FnError('INVALID_FN_YAML', 'usage', `${file}: ${(e as Error).message} (fn.yaml may expand its aliases to at most ${MAX_ALIAS_COUNT} nodes)`, {
      suggestion: `write the repeated values out in ${file} instead of through nested aliases`,
      details: {file},
      cause: e,
    });
  }
  return {doc, lines, data: data ?? {}};
}

/** Position (1-based line and column) of the node at `path` (['env', '1', 'name']), or of its key. */
export function positionOf({doc, lines}: FnYaml, path: readonly string[], onKey: boolean): {line: number; col: number} {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === part);
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(part)];
      keyNode = undefined;
    } else break;
  }
  const target = (onKey && keyNode) || (node as Node | undefined) || keyNode;
  return lines.linePos(target?.range?.[0] ?? 0);
}
