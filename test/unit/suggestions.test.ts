// Every `fn …` command line that src/ shows a user (FnError messages and suggestions, progress notes,
// help text: every string and template literal) names a command that exists, with flags that command
// has. Checked against oclif.manifest.json, which `npm run build` writes. A `${…}` substitution counts
// as an argument or a flag's value; one that is plainly the function's name (`${fn.name}`,
// `${service}`) must sit where the command takes a NAME, and a revision (`${rev}`) not there.
import {describe, expect, test} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {scan, tsFiles} from '../support/ts-source.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifestPath = join(root, 'oclif.manifest.json');

interface Command {
  flags: Map<string, {type: 'boolean' | 'option'; allowNo: boolean}>;
  /** The positional arguments' names, in order. */
  args: string[];
}

function loadCommands(): Map<string, Command> {
  if (!existsSync(manifestPath)) throw new Error('oclif.manifest.json is missing: run npm run build first');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    commands: Record<string, {args: Record<string, unknown>; flags: Record<string, {name: string; char?: string; type: 'boolean' | 'option'; allowNo?: boolean}>}>;
  };
  const commands = new Map<string, Command>();
  for (const [id, c] of Object.entries(manifest.commands)) {
    const flags: Command['flags'] = new Map([
      ['--help', {type: 'boolean', allowNo: false}],
      ['-h', {type: 'boolean', allowNo: false}],
    ]);
    for (const f of Object.values(c.flags)) {
      const spec = {type: f.type, allowNo: Boolean(f.allowNo)};
      flags.set(`--${f.name}`, spec);
      if (f.char) flags.set(`-${f.char}`, spec);
    }
    commands.set(id, {flags, args: Object.keys(c.args)});
  }
  return commands;
}

/** Words that follow "fn" in prose ("fn was updating it"), where fn is the tool, not a command line.
 * ("[fn http]", the --verbose prefix, is skipped by the bracket.) */
const PROSE = new Set(['was', 'does', 'has', 'exits', 'says', 'would', 'should', 'understands', 'builds', 'knows', 'to', 'where']);

/** Substitutions that are plainly the function's name, or a revision's. */
const FUNCTION_NAME = /^\$\{(?:[\w$]+\.)*(?:name|service|fnName|functionName)\}$/;
const REVISION = /^\$\{(?:[\w$]+\.)*(?:rev|revision|revisionName)\}$/;

export interface CommandLine {
  text: string;
  problems: string[];
}

/** The `fn …` command lines in one literal's text, each with what is wrong with it. */
export function commandLines(text: string, commands: Map<string, Command>): CommandLine[] {
  const plain = text.replace(/\\[nt]/g, ' ').replace(/\\(.)/g, '$1');
  const out: CommandLine[] = [];
  for (const m of plain.matchAll(/(?<![\w.@/[-])fn\s+(?=[a-z])/g)) {
    const tokens = plain.slice(m.index + m[0].length).split(/\s+/);
    // The line ends before a token that opens a parenthesis or a quote, and after one that ends
    // with closing punctuation.
    const words: string[] = [];
    for (const raw of tokens) {
      if (!raw || /^[(`'"]/.test(raw)) break;
      const word = raw.replace(/[),;.:`'"]+$/, '');
      if (word) words.push(word);
      if (word !== raw) break;
    }
    if (words.length === 0 || PROSE.has(words[0]!)) continue;
    const problems: string[] = [];
    let at = 0;
    const first = words[at++]!;
    const known = [...commands.keys()];
    if (!known.some((id) => id === first || id.startsWith(`${first}:`))) {
      out.push({text: `fn ${first}`, problems: [`no command or topic "${first}" (if this is prose, add the word to PROSE)`]});
      continue;
    }
    let ids = [first];
    // Subcommands: `fn rollout status`, or alternatives `fn rollout status|abort`.
    while (at < words.length) {
      const next = words[at]!.split('|').map((w) => ids.map((id) => `${id}:${w}`)).flat();
      if (!next.every((id) => commands.has(id))) {
        const some = next.filter((id) => commands.has(id));
        if (some.length && words[at]!.includes('|')) {
          problems.push(...next.filter((id) => !commands.has(id)).map((id) => `"fn ${id.replace(/:/g, ' ')}" is no command`));
          ids = some;
          at++;
        }
        break;
      }
      ids = next;
      at++;
    }
    const missing = ids.filter((id) => !commands.has(id));
    if (missing.length) {
      out.push({text: `fn ${words.slice(0, at).join(' ')}`, problems: missing.map((id) => `"${id.replace(/:/g, ' ')}" is a topic, not a command`)});
      continue;
    }
    let args = 0;
    const maxArgs = Math.min(...ids.map((id) => commands.get(id)!.args.length));
    while (at < words.length) {
      const word = words[at]!;
      if (word.startsWith('-') && word !== '-') {
        const name = word.split('=')[0]!;
        at++;
        let optionValue = false;
        for (const id of ids) {
          const flags = commands.get(id)!.flags;
          const flag = flags.get(name) ?? (name.startsWith('--no-') && flags.get(`--${name.slice(5)}`)?.allowNo ? {type: 'boolean' as const, allowNo: true} : undefined);
          if (!flag) problems.push(`fn ${id.replace(/:/g, ' ')} has no ${name} flag`);
          else if (flag.type === 'option' && !word.includes('=')) optionValue = true;
        }
        if (optionValue && at < words.length) at++;
      } else if (args < maxArgs) {
        for (const id of ids) {
          const arg = commands.get(id)!.args[args]!;
          if (FUNCTION_NAME.test(word) && arg !== 'name') problems.push(`fn ${id.replace(/:/g, ' ')} takes ${arg.toUpperCase()} here, not the function's name ${word}`);
          if (REVISION.test(word) && arg === 'name') problems.push(`fn ${id.replace(/:/g, ' ')} takes the function's NAME here, not the revision ${word}`);
        }
        args++;
        at++;
      } else break;
    }
    out.push({text: `fn ${words.slice(0, at).join(' ')}`, problems});
  }
  return out;
}

describe('fn … command lines in src/', () => {
  const commands = loadCommands();
  const found: Array<{where: string} & CommandLine> = [];
  for (const file of tsFiles(root, 'src', ['src/templates'])) {
    for (const literal of scan(readFileSync(join(root, file), 'utf8')).literals) {
      for (const line of commandLines(literal.text, commands)) found.push({where: `${file}:${literal.line}`, ...line});
    }
  }

  test('every one names a command that exists, with flags it has', () => {
    if (process.env.FN_SHOW_COMMAND_LINES) console.log(found.map((f) => `${f.where}: ${f.text}`).join('\n'));
    expect(found.length).toBeGreaterThan(40);
    expect(found.filter((f) => f.problems.length).map((f) => `${f.where}: \`${f.text}\`: ${f.problems.join('; ')}`)).toEqual([]);
  });

  // The check itself.
  test.each([
    ['run fn rollout --service hello', ['fn rollout has no --service flag']],
    ['see fn revison hello', ['no command or topic "revison"']],
    ['fn logs ${…} --tail 10 --revisions ${…}', ['fn logs has no --revisions flag']],
    ['`fn rollout status|abort|demote` works', ['"fn rollout demote" is no command']],
    ['fn deploy --tag canary --no-traffic and roll out with --revision', []],
    ['fn traffic ${…} --tag REVISION=${…} tags one', []],
    ['fn rollout status|abort|promote|resume work from any host', []],
    ['fn build --push (or fn deploy --image X)', []],
    ['fn was updating it; fn has no Dockerfile', []],
    ['fn rollback ${fn.name} -n ${ns} sends traffic back', ['fn rollback takes REVISION here, not the function\'s name ${fn.name}']],
    ['fn rollback ${rev} --name ${fn.name} -n ${ns}', []],
    ['fn logs ${revision} -n ${ns}', ['fn logs takes the function\'s NAME here, not the revision ${revision}']],
  ])('%s', (text, expected) => {
    const lines = commandLines(text, commands);
    const problems = lines.flatMap((l) => l.problems);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((p, i) => expect(problems[i]).toContain(p));
    if (!text.startsWith('fn was')) expect(lines.length).toBeGreaterThan(0);
  });
});
