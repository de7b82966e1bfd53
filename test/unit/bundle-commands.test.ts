// The bundle fn runs (scripts/bundle.mjs) finds its commands in src/commands at build time: every
// command file there must be a command of the built CLI (oclif.manifest.json, written by `npm run
// build` from the bundle), and the built CLI has no command without a file (besides oclif's help
// and autocomplete, bundled as fn's own).
import {describe, expect, test} from '@jest/globals';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {join, relative, sep} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const commandsDir = join(root, 'src', 'commands');

function files(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the bundled commands', () => {
  test('are exactly the files under src/commands, plus help and autocomplete', () => {
    const manifestPath = join(root, 'oclif.manifest.json');
    if (!existsSync(manifestPath)) throw new Error('oclif.manifest.json is missing: run npm run build first');
    const built = Object.keys(JSON.parse(readFileSync(manifestPath, 'utf8')).commands).sort();
    const expected = files(commandsDir)
      .map((f) => relative(commandsDir, f).replace(/\.ts$/, '').split(sep))
      .map((parts) => (parts.at(-1) === 'index' ? parts.slice(0, -1) : parts).join(':'));
    expect(built).toEqual([...expected, 'help', 'autocomplete', 'autocomplete:create', 'autocomplete:script'].sort());
  });
});
