// A small scanner for fn's own TypeScript sources, for the layering and suggestion tests: it finds
// the string and template literals and the import specifiers of a file. Hand-written on purpose (no
// new dependency, and the TypeScript compiler API is more than two regexes need): it only has to tell
// code from comments, strings, template literals and regular-expression literals, which it does
// character by character. It is not a parser: it reads fn's sources, not arbitrary TypeScript.
import {readdirSync} from 'node:fs';
import {join, relative, sep} from 'node:path';

export interface Literal {
  /**
   * The literal's text. In a template literal a substitution that is a plain name or property path
   * reads as written (`${fn.name}`), any other expression as `${…}`.
   */
  text: string;
  line: number;
}

export interface ImportRef {
  specifier: string;
  /** static: `import … from` / `export … from` / `import '…'`; type: `import type …`; dynamic: `import('…')`. */
  kind: 'static' | 'type' | 'dynamic';
  line: number;
}

export interface Scanned {
  literals: Literal[];
  imports: ImportRef[];
  /** The code with comments blanked and every literal replaced by "#<index into literals>". */
  masked: string;
}

// After one of these (or at the start) a `/` begins a regular expression, otherwise it divides.
const REGEX_AFTER = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_AFTER_WORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await']);

export function scan(source: string): Scanned {
  const literals: Literal[] = [];
  let masked = '';
  let i = 0;
  // Line numbers come from the source; masked keeps every newline, so its lines are the source's.
  const newlines: number[] = [];
  for (let k = source.indexOf('\n'); k >= 0; k = source.indexOf('\n', k + 1)) newlines.push(k);
  const lineAtIndex = (index: number) => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (newlines[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const newlinesIn = (from: number, to: number) => source.slice(from, to).replace(/[^\n]/g, '');
  // The last significant token before i, to tell a regex from a division.
  const before = (): string => {
    const m = /(\w+|\S)\s*$/.exec(masked);
    return m ? m[1]! : '';
  };

  // Reads the template literal starting at i (a backtick); returns its text with `${…}` placeholders.
  const template = (): string => {
    let text = '';
    i++;
    while (i < source.length && source[i] !== '`') {
      if (source[i] === '\\') {
        text += source.slice(i, i + 2);
        i += 2;
      } else if (source[i] === '$' && source[i + 1] === '{') {
        const start = i + 2;
        i += 2;
        code(1); // the substitution is code: its own literals are collected too
        const expression = source.slice(start, i - 1).trim();
        text += /^[\w$.]+$/.test(expression) ? `\${${expression}}` : '${…}';
      } else {
        text += source[i];
        i++;
      }
    }
    i++;
    return text;
  };

  // Scans code until the closing brace of depth `depth` (0: until the end of the file).
  function code(depth: number): void {
    let braces = depth;
    while (i < source.length) {
      const c = source[i]!;
      const next = source[i + 1];
      if (c === '/' && next === '/') {
        const end = source.indexOf('\n', i);
        i = end < 0 ? source.length : end;
      } else if (c === '/' && next === '*') {
        const end = source.indexOf('*/', i + 2);
        const stop = end < 0 ? source.length : end + 2;
        masked += source.slice(i, stop).replace(/[^\n]/g, ' ');
        i = stop;
      } else if (c === '"' || c === "'") {
        const start = i;
        let text = '';
        i++;
        while (i < source.length && source[i] !== c && source[i] !== '\n') {
          if (source[i] === '\\') {
            text += source.slice(i, i + 2);
            i += 2;
          } else text += source[i++];
        }
        i++;
        masked += `"#${literals.push({text, line: lineAtIndex(start)}) - 1}"` + newlinesIn(start, i);
      } else if (c === '`') {
        // The substitutions' code and literals are scanned (their literals collected), but masked
        // gets only the placeholder: an import inside a template literal is no import.
        const start = i;
        const index = literals.push({text: '', line: lineAtIndex(start)}) - 1;
        const saved = masked;
        const text = template();
        masked = saved + `"#${index}"` + newlinesIn(start, i);
        literals[index]!.text = text;
      } else if (c === '/' && (REGEX_AFTER.has(before()) || REGEX_AFTER_WORDS.has(before()))) {
        let inClass = false;
        let k = i + 1;
        for (; k < source.length && source[k] !== '\n'; k++) {
          if (source[k] === '\\') k++;
          else if (source[k] === '[') inClass = true;
          else if (source[k] === ']') inClass = false;
          else if (source[k] === '/' && !inClass) break;
        }
        masked += '/regex/';
        i = k + 1;
      } else {
        if (c === '{') braces++;
        if (c === '}') {
          braces--;
          if (depth > 0 && braces === 0) {
            i++;
            return;
          }
        }
        masked += c;
        i++;
      }
    }
  }
  code(0);

  const imports: ImportRef[] = [];
  const lineOf = (index: number) => masked.slice(0, index).split('\n').length;
  const spec = (ref: string) => literals[Number(ref)]!.text;
  // `import x from "#1"`, `import type {A} from "#1"`, `export {a} from "#1"`, `export * from "#1"`.
  for (const m of masked.matchAll(/(?<![.\w$])(import|export)\s+(type\s+)?[^;"]*?\bfrom\s*"#(\d+)"/g)) {
    imports.push({specifier: spec(m[3]!), kind: m[2] ? 'type' : 'static', line: lineOf(m.index)});
  }
  for (const m of masked.matchAll(/(?<![.\w$])import\s*"#(\d+)"/g)) {
    imports.push({specifier: spec(m[1]!), kind: 'static', line: lineOf(m.index)});
  }
  for (const m of masked.matchAll(/(?<![.\w$])import\s*\(\s*("#(\d+)"\s*)?/g)) {
    if (!m[2]) throw new Error(`line ${lineOf(m.index)}: import() of something other than a string literal cannot be checked`);
    imports.push({specifier: spec(m[2]), kind: 'dynamic', line: lineOf(m.index)});
  }
  return {literals, imports, masked};
}

/** Every .ts file under dir (repository-relative, with forward slashes), minus the skipped folders. */
export function tsFiles(root: string, dir: string, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, {withFileTypes: true})) {
      const path = join(d, entry.name);
      const rel = relative(root, path).split(sep).join('/');
      if (entry.isDirectory()) {
        if (!skip.includes(rel)) walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  walk(join(root, dir));
  return out.sort();
}
