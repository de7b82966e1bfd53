// Changing fn.yaml in place, for the commands that edit it (fn subscribe, fn unsubscribe). The edit
// goes through the yaml library's Document API, so comments, key order, quoting, flow or block style
// and blank lines stay as they were; the document is rendered with the file's own indentation. Before
// anything is written the new text must pass parseFunction (every check fn.yaml gets on load) and
// change nothing but what the edit meant to; then it is written atomically (a temp file next to it,
// renamed over it), so a failed or refused edit leaves the file as it was.
import {randomBytes} from 'node:crypto';
import {readFile, realpath, rename, rm, stat, writeFile} from 'node:fs/promises';
import {basename, dirname, join} from 'node:path';
import {isDeepStrictEqual} from 'node:util';
import {LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair} from 'yaml';
import {FnError} from './errors.js';
import {parseFnYaml} from './fn-yaml.js';
import {parseFunction, readFunctionText, type FunctionConfig} from './function.js';

/** How a file lays out its blocks, so the rendered document keeps its look (yaml's defaults otherwise). */
export interface FnYamlFormat {
  /** Spaces per nesting level. */
  indent: number;
  /** Whether a list under a key is indented (`key:\n  - a`) or not (`key:\n- a`). */
  indentSeq: boolean;
  crlf: boolean;
}

const DEFAULT_FORMAT: FnYamlFormat = {indent: 2, indentSeq: true, crlf: false};

type Block = {node: Node; keyColumn: number};

/** The file's indentation, read off its first nested block map and block list (the list `preferSeq` names first). */
export function formatOf(text: string, preferSeq?: string): FnYamlFormat {
  const lines = new LineCounter();
  const doc = parseDocument(text, {lineCounter: lines, uniqueKeys: false});
  const col = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).col);
  const blocks: Array<Block & {key: string}> = [];
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items as Pair<Node, Node>[]) {
      const keyColumn = col(pair.key?.range?.[0]);
      if (pair.value && keyColumn !== undefined) blocks.push({node: pair.value, keyColumn, key: isScalar(pair.key) ? String(pair.key.value) : ''});
    }
  }
  const seqOffset = ({node, keyColumn}: Block) => (isSeq(node) && !node.flow && node.items.length ? (col(node.range?.[0]) ?? keyColumn) - keyColumn : undefined);
  const mapOffset = ({node, keyColumn}: Block) => {
    const first = isMap(node) && !node.flow ? (node.items[0] as Pair<Node> | undefined) : undefined;
    const childColumn = col(first?.key?.range?.[0]);
    return childColumn === undefined ? undefined : childColumn - keyColumn;
  };
  const preferred = blocks.find((b) => b.key === preferSeq && seqOffset(b) !== undefined);
  const seqs = [...(preferred ? [preferred] : []), ...blocks].map(seqOffset).filter((o): o is number => o !== undefined);
  const maps = blocks.map(mapOffset).filter((o): o is number => o !== undefined && o > 0);
  const indentSeq = seqs.length ? seqs[0] > 0 : DEFAULT_FORMAT.indentSeq;
  // An indented list says how far the file indents as well as a nested map does; the preferred list first.
  const indent = (indentSeq && preferred && seqs[0] > 0 ? seqs[0] : maps[0] ?? seqs.find((o) => o > 0)) ?? DEFAULT_FORMAT.indent;
  return {indent, indentSeq, crlf: /\r\n/.test(text)};
}

/** The document as text, laid out as `format` says; long strings are never folded. */
export function renderFnYaml(doc: Document, format: FnYamlFormat): string {
  const text = doc.toString({indent: format.indent, indentSeq: format.indentSeq, lineWidth: 0, minContentWidth: 0, flowCollectionPadding: false});
  return format.crlf ? text.replace(/\r?\n/g, '\r\n') : text;
}

export interface FnYamlChange<T> {
  /** The new text; undefined: nothing to write. */
  text?: string;
  /** What `key` must read back as from the new text (the edit's guard). */
  expected?: unknown;
  result: T;
}

export interface FnYamlEdit {
  file: string;
  text: string;
  /** The parsed document to change (comments and positions kept). */
  doc: Document.Parsed;
  config: FunctionConfig;
  format: FnYamlFormat;
}

/** fn.yaml text ready to edit at `key`; the text must already be a valid fn.yaml (parseFunction's error otherwise). */
export function fnYamlEdit(text: string, file: string, key: keyof FunctionConfig): FnYamlEdit {
  const config = parseFunction(text, file);
  return {file, text, doc: parseFnYaml(text, file).doc, config, format: formatOf(text, key)};
}

/**
 * Reads fn.yaml of `dir` (which must already be valid), lets `change` edit it, and writes the result
 * once it is valid and differs from the original in `key` alone, exactly as `expected` says.
 */
export async function editFunctionFile<T>(
  dir: string,
  key: keyof FunctionConfig,
  change: (edit: FnYamlEdit) => FnYamlChange<T>,
): Promise<T & {file: string; written: boolean}> {
  const {file, text} = await readFunctionText(dir);
  const edit = fnYamlEdit(text, file, key);
  const outcome = change(edit);
  if (outcome.text === undefined || outcome.text === text) return {...outcome.result, file, written: false};
  assertOnlyChanged(edit.config, parseFunction(outcome.text, file), key, outcome.expected, file);
  await writeAtomically(file, text, outcome.text);
  return {...outcome.result, file, written: true};
}

/** The edit's guard: any other difference is a bug in fn, and nothing is written. */
function assertOnlyChanged(before: FunctionConfig, after: FunctionConfig, key: keyof FunctionConfig, expected: unknown, file: string): void {
  const rest = (c: FunctionConfig) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== key));
  const changed = !isDeepStrictEqual(rest(before), rest(after)) || (expected !== undefined && !isDeepStrictEqual(after[key], expected));
  if (changed) {
    throw new FnError('FN_YAML_EDIT_MISMATCH', 'unexpected', `the edited ${file} would read back differently than intended (${String(key)}); nothing was written`, {
      details: {file, key, intended: expected, got: after[key]},
    });
  }
}

/**
 * Temp file in the same folder (so the rename is atomic), with the original's mode, renamed over the
 * real file (a symlinked fn.yaml stays a symlink). Refused when the file changed since it was read.
 */
async function writeAtomically(file: string, original: string, text: string): Promise<void> {
  const fail = (e: NodeJS.ErrnoException): never => {
    throw new FnError('FN_YAML_WRITE_FAILED', 'usage', `cannot write ${file}: ${e.code ?? e.message}; it was left as it was`, {
      suggestion: 'check that the folder is writable (and the disk not full), then run the command again',
      details: {file, code: e.code},
      cause: e,
    });
  };
  const target = await realpath(file).catch(fail);
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const {mode} = await stat(target).catch(fail);
    await writeFile(tmp, text, {flag: 'wx', mode: mode & 0o777}).catch(fail);
    if ((await readFile(target, 'utf8')) !== original) {
      throw new FnError('FN_YAML_CHANGED', 'conflict', `${file} changed while fn was editing it; nothing was written`, {
        suggestion: 'run the command again',
        details: {file},
      });
    }
    await rename(tmp, target).catch(fail);
  } finally {
    await rm(tmp, {force: true});
  }
}
