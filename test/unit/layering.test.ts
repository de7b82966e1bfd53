// The layering rule (README, "Development and tests"), checked on every import of every src/**/*.ts
// file: static `import … from` / `export … from`, `import type`, and dynamic `import('…')`, with
// relative paths resolved. The imports are read by test/support/ts-source.ts (a small scanner: no new
// dependency for two regexes' worth of work).
//
//   src/core       imports only src/core, the pure npm libraries in CORE_PACKAGES and the pure node
//                  built-ins in PURE_BUILTINS; no fetch. The files in CORE_IO still do I/O, each for
//                  the reason given there.
//   src/adapters   imports core, other adapters and src/paths.ts; never commands, ui or the factory.
//   src/factory.ts imports core, adapters and paths; adapters only lazily (`await import()` or types).
//   src/ui         imports core, ui, the factory and paths; never adapters or commands.
//   src/commands   imports core, ui, the factory and paths; never adapters (the factory hands them out).
//   src/paths.ts   imports no other src file.
import {describe, expect, test} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import {builtinModules} from 'node:module';
import {dirname, join, normalize} from 'node:path';
import {fileURLToPath} from 'node:url';
import {scan, tsFiles, type ImportRef} from '../support/ts-source.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Layer = 'core' | 'adapters' | 'factory' | 'ui' | 'commands' | 'paths';

const MAY_IMPORT: Record<Layer, Layer[]> = {
  core: ['core'],
  adapters: ['core', 'adapters', 'paths'],
  factory: ['core', 'adapters', 'paths'],
  ui: ['core', 'ui', 'factory', 'paths'],
  commands: ['core', 'ui', 'factory', 'paths'],
  paths: [],
};

/** npm packages core may use: each parses, validates or formats, and opens nothing. */
const CORE_PACKAGES = new Set(['yaml', 'ajv', 'fastest-levenshtein', 'ignore', 'cloudevents', 'fast-json-stable-stringify', 'dockerfile-ast']);
/** Node built-ins that compute and touch nothing outside the process. */
const PURE_BUILTINS = new Set(['node:path', 'node:crypto', 'node:url', 'node:util', 'node:events', 'node:buffer', 'node:assert']);

/**
 * Core files that do I/O today, and why they stay in core: each reads or writes the function folder
 * or fn's own files as part of a use case whose logic is the point of the file, and a port for each
 * would add an interface with one implementation. Nothing here talks to a cluster, an engine or a
 * registry: that is the adapters' job. A new entry needs a reason.
 */
const CORE_IO: Record<string, {uses: string[]; why: string}> = {
  'src/core/fn-yaml.ts': {uses: ['node:fs/promises'], why: 'reads fn.yaml, refusing one over the size cap before reading it'},
  'src/core/fn-yaml-edit.ts': {uses: ['node:fs/promises'], why: 'fn subscribe / unsubscribe write fn.yaml back (temp file + rename, refused if it changed meanwhile)'},
  'src/core/build.ts': {uses: ['node:fs/promises'], why: "reads a project's own Dockerfile for the base images to pull"},
  'src/core/build-context.ts': {uses: ['node:fs', 'node:fs/promises', 'node:stream/promises'], why: 'walks the function folder (ignore files) and hashes the build context'},
  'src/core/build-record.ts': {uses: ['node:fs/promises'], why: 'reads and writes .fn/build.json'},
  'src/core/dockerfile.ts': {uses: ['node:fs', 'node:fs/promises'], why: "finds the project's Dockerfile and reads fn's runtime template"},
  'src/core/dockerfile-eject.ts': {uses: ['node:fs', 'node:fs/promises'], why: 'fn dockerfile writes the Dockerfile, the invoker and .dockerignore (all or none)'},
  'src/core/runtime-spec.ts': {uses: ['node:fs/promises'], why: 'reads runtimes/<runtime>/runtime.yaml'},
  'src/core/templates.ts': {uses: ['node:fs/promises'], why: "reads the template catalogue's manifest.yaml files"},
  'src/core/invoke.ts': {uses: ['fetch'], why: 'fn invoke sends one request (through the ingress when the caller passes send)'},
  'src/core/ingress-address.ts': {uses: ['node:net'], why: 'isIP only: address syntax, no sockets'},
};

function layerOf(file: string): Layer | undefined {
  if (file === 'src/factory.ts') return 'factory';
  if (file === 'src/paths.ts') return 'paths';
  const top = file.split('/')[1];
  return top === 'core' || top === 'adapters' || top === 'ui' || top === 'commands' ? top : undefined;
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** What is wrong with one import of one file, or undefined. */
function violation(file: string, ref: ImportRef): string | undefined {
  const layer = layerOf(file);
  if (!layer) return `${file} is in no layer (add it to layerOf and to the README's rule)`;
  const {specifier} = ref;
  if (specifier.startsWith('.')) {
    const target = normalize(join(dirname(file), specifier)).split('\\').join('/').replace(/\.js$/, '.ts');
    if (!existsSync(join(root, target))) return `does not resolve to a file (${target})`;
    const to = layerOf(target);
    if (!to) return `${target} is in no layer`;
    if (to !== layer && !MAY_IMPORT[layer].includes(to)) return `${layer} may not import ${to} (${layer} may import: ${MAY_IMPORT[layer].join(', ') || 'no src file'})`;
    if (layer === 'factory' && to === 'adapters' && ref.kind === 'static') return 'the factory imports adapters lazily (await import) so that fn --help stays fast';
    return undefined;
  }
  if (layer !== 'core') return undefined;
  if (builtins.has(specifier)) {
    const name = specifier.startsWith('node:') ? specifier : `node:${specifier}`;
    if (PURE_BUILTINS.has(name) || CORE_IO[file]?.uses.includes(name)) return undefined;
    return `core does no I/O: ${name} is not a pure built-in (move the I/O to an adapter, or list the file in CORE_IO with why)`;
  }
  if (CORE_PACKAGES.has(packageOf(specifier))) return undefined;
  return `core imports only pure npm libraries: ${packageOf(specifier)} is not in CORE_PACKAGES (an SDK belongs in an adapter)`;
}

/** Every broken rule in these sources, as "file:line → import: rule". */
function layeringViolations(sources: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of Object.entries(sources)) {
    const scanned = scan(text);
    for (const ref of scanned.imports) {
      const broken = violation(file, ref);
      if (broken) out.push(`${file}:${ref.line} → ${specifierText(ref)}: ${broken}`);
    }
    if (layerOf(file) === 'core' && !CORE_IO[file]?.uses.includes('fetch')) {
      for (const m of scanned.masked.matchAll(/(?<![.\w$])fetch\s*\(/g)) {
        out.push(`${file}:${scanned.masked.slice(0, m.index).split('\n').length} → fetch(): core does no I/O (an adapter sends requests, or list the file in CORE_IO with why)`);
      }
    }
  }
  return out;
}
const specifierText = (ref: ImportRef) => (ref.kind === 'dynamic' ? `import('${ref.specifier}')` : `'${ref.specifier}'`);

const files = tsFiles(root, 'src', ['src/templates']);
const sources = Object.fromEntries(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]));

describe('layering', () => {
  test('every import of src/ keeps the rule', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(layeringViolations(sources)).toEqual([]);
  });

  test('the allow-list names files that exist and still need it', () => {
    const stale: string[] = [];
    for (const [file, {uses}] of Object.entries(CORE_IO)) {
      const text = sources[file];
      if (text === undefined) {
        stale.push(`${file}: no such file`);
        continue;
      }
      const scanned = scan(text);
      for (const use of uses) {
        const used = use === 'fetch' ? /(?<![.\w$])fetch\s*\(/.test(scanned.masked) : scanned.imports.some((i) => i.specifier === use);
        if (!used) stale.push(`${file}: no longer uses ${use} (drop it from CORE_IO)`);
      }
    }
    expect(stale).toEqual([]);
  });

  // The check itself: each kind of import is seen, and each rule fires.
  test.each([
    ['src/commands/x.ts', "import {KnativeCluster} from '../adapters/knative/knative-cluster.js';", 'commands may not import adapters'],
    ['src/commands/rollout/x.ts', "export {x} from '../../adapters/health/http-probe.js';", 'commands may not import adapters'],
    ['src/commands/x.ts', "const m = await import('../adapters/docker/engine.js');", 'commands may not import adapters'],
    ['src/commands/x.ts', "import type {KubeHttp} from '../adapters/knative/kube-http.js';", 'commands may not import adapters'],
    ['src/ui/x.ts', "import {HttpProbe} from '../adapters/health/http-probe.js';", 'ui may not import adapters'],
    ['src/adapters/x/y.ts', "import {knative} from '../../factory.js';", 'adapters may not import factory'],
    ['src/core/x.ts', "import {table} from '../ui/table.js';", 'core may not import ui'],
    ['src/core/x.ts', "import {spawn} from 'node:child_process';", 'core does no I/O'],
    ['src/core/x.ts', "import {readFile} from 'fs/promises';", 'core does no I/O'],
    ['src/core/x.ts', "import Docker from 'dockerode';", 'core imports only pure npm libraries'],
    ['src/core/x.ts', 'const res = await fetch(url);', 'fetch(): core does no I/O'],
    ['src/factory.ts', "import {DockerBuilder} from './adapters/docker/docker-builder.js';", 'the factory imports adapters lazily'],
    ['src/commands/x.ts', "import {nothing} from '../core/no-such-file.js';", 'does not resolve'],
  ])('%s: %s is refused', (file, line, rule) => {
    const found = layeringViolations({[file]: `// header\n${line}\n`});
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${file}:2 → `);
    expect(found[0]).toContain(rule);
  });

  test('comments, strings and template literals are not imports', () => {
    const text = [
      "// import {x} from '../adapters/a.js';",
      "/* await import('../adapters/b.js') */",
      "const s = \"import {y} from '../adapters/c.js'\";",
      "const t = `${await Promise.resolve(\"import('../adapters/d.js')\")} from '../adapters/e.js'`;",
      'const r = /import\\(\'x\'\\)/;',
      "import {FnError} from '../core/errors.js';",
    ].join('\n');
    expect(layeringViolations({'src/commands/x.ts': text})).toEqual([]);
    expect(scan(text).imports).toEqual([{specifier: '../core/errors.js', kind: 'static', line: 6}]);
  });
});
