// The template catalogue and what `fn init` writes from it: every runtime × template exists with a
// manifest and the files its runtime needs, placeholders are rendered, dotfiles renamed, a refusal
// writes nothing, --force overwrites.
import {describe, expect, test} from '@jest/globals';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {TemplateScaffolder} from '../../src/adapters/scaffold/scaffolder.js';
import {FnError} from '../../src/core/errors.js';
import {RUNTIMES, TEMPLATES} from '../../src/core/function-schema.js';
import {loadRuntimeSpec} from '../../src/core/runtime-spec.js';
import {listTemplates, renderTemplateText} from '../../src/core/templates.js';
import {runtimesDir, templatesDir} from '../../src/paths.js';

const combos = RUNTIMES.flatMap((runtime) => TEMPLATES.map((template) => [runtime, template] as const));

/** Files each runtime's templates must ship for dependencies (and its entry point). */
const REQUIRED: Record<(typeof RUNTIMES)[number], string[]> = {
  node: ['index.js', 'package.json', 'package-lock.json'],
  typescript: ['index.ts', 'package.json', 'package-lock.json', 'tsconfig.json'],
  python: ['func.py', 'requirements.txt'],
  go: ['handle.go', 'go.mod', 'go.sum'],
};

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'fn-templates-'));
}

async function listing(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir, {recursive: true})).map(String).sort() : [];
}

describe('template catalogue', () => {
  test.each(combos)('%s/%s has a manifest with a description, a _gitignore ignoring .fn/, and its dependency files', async (runtime, template) => {
    const all = await listTemplates(templatesDir);
    const info = all.find((t) => t.runtime === runtime && t.template === template);
    expect(info).toBeDefined();
    expect(info!.description.length).toBeGreaterThan(20);
    const files = await readdir(info!.dir);
    expect(files).toEqual(expect.arrayContaining(['manifest.yaml', '_gitignore', ...REQUIRED[runtime]]));
    expect(files.filter((f) => f.startsWith('.'))).toEqual([]);
    const gitignore = (await readFile(join(info!.dir, '_gitignore'), 'utf8')).split('\n');
    expect(gitignore).toContain('.fn/');
    if (runtime === 'node' || runtime === 'typescript') expect(gitignore).toContain('node_modules/');
  });

  test('the catalogue holds exactly the runtimes and templates fn.yaml accepts', async () => {
    const all = (await listTemplates(templatesDir)).map((t) => `${t.runtime}/${t.template}`).sort();
    expect(all).toEqual(combos.map(([r, t]) => `${r}/${t}`).sort());
  });

  test('go templates are the module "function"; the cloudevents one pins sdk-go in go.mod and go.sum', async () => {
    for (const template of TEMPLATES) {
      const gomod = await readFile(join(templatesDir, 'go', template, 'go.mod'), 'utf8');
      expect(gomod).toMatch(/^module function$/m);
    }
    const gomod = await readFile(join(templatesDir, 'go', 'cloudevents', 'go.mod'), 'utf8');
    const version = /github\.com\/cloudevents\/sdk-go\/v2 (v\S+)/.exec(gomod)?.[1];
    expect(version).toBeDefined();
    expect(await readFile(join(templatesDir, 'go', 'cloudevents', 'go.sum'), 'utf8')).toContain(`github.com/cloudevents/sdk-go/v2 ${version} h1:`);
  });

  test('node and typescript http templates have no third-party runtime dependency', async () => {
    for (const runtime of ['node', 'typescript']) {
      const pkg = JSON.parse(await readFile(join(templatesDir, runtime, 'http', 'package.json'), 'utf8'));
      expect(pkg.dependencies ?? {}).toEqual({});
    }
  });

  test.each(RUNTIMES)('runtime %s has a runtime.yaml fn can run and a README with a Container section', async (runtime) => {
    const spec = await loadRuntimeSpec(runtimesDir, runtime);
    expect(spec.run.command.length).toBeGreaterThan(0);
    expect(await readFile(join(runtimesDir, runtime, 'README.md'), 'utf8')).toMatch(/^## Container$/m);
  });
});

describe('placeholders', () => {
  test('{{fn.name}} is replaced everywhere, other braces are left alone', () => {
    expect(renderTemplateText('a {{fn.name}} b {{fn.name}} {{other}} {x}', {name: 'hello'})).toBe('a hello b hello {{other}} {x}');
  });

  test.each(combos)('%s/%s: init leaves no placeholder behind and names the function in its files', async (runtime, template) => {
    const dir = join(await tmp(), 'my-func');
    const result = await new TemplateScaffolder().scaffold({dir, name: 'my-func', runtime, template});
    for (const file of result.files) {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text).not.toContain('{{fn.name}}');
    }
    const all = (await Promise.all(result.files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
    expect(all).toContain('my-func');
    if (runtime === 'node' || runtime === 'typescript') {
      expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).name).toBe('my-func');
      expect(JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')).name).toBe('my-func');
    }
  });
});

describe('scaffolding', () => {
  test('_gitignore is written as .gitignore, manifest.yaml is not copied, fn.yaml is written', async () => {
    const dir = join(await tmp(), 'fresh');
    const result = await new TemplateScaffolder().scaffold({dir, name: 'fresh', runtime: 'python', template: 'http'});
    const files = await listing(dir);
    expect(files).toContain('.gitignore');
    expect(files).not.toContain('_gitignore');
    expect(files).not.toContain('manifest.yaml');
    expect(files).toContain('fn.yaml');
    expect(result.files.sort()).toEqual(files);
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toContain('runtime: python');
  });

  test('a refusal lists the existing files and writes nothing', async () => {
    const dir = join(await tmp(), 'taken');
    await mkdir(dir);
    await writeFile(join(dir, 'index.js'), 'mine');
    await writeFile(join(dir, '.gitignore'), 'mine too');
    await writeFile(join(dir, 'notes.txt'), 'unrelated');
    const before = await listing(dir);
    let error: unknown;
    try {
      await new TemplateScaffolder().scaffold({dir, name: 'taken', runtime: 'node', template: 'http'});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FnError);
    expect((error as FnError).code).toBe('FILES_EXIST');
    expect((error as FnError).details).toEqual({files: ['.gitignore', 'index.js']});
    expect((error as FnError).message).toContain('nothing was written');
    expect(await listing(dir)).toEqual(before);
    expect(await readFile(join(dir, 'index.js'), 'utf8')).toBe('mine');
  });

  test('--force overwrites the existing files and keeps unrelated ones', async () => {
    const dir = join(await tmp(), 'forced');
    await mkdir(dir);
    await writeFile(join(dir, 'index.js'), 'mine');
    await writeFile(join(dir, 'notes.txt'), 'unrelated');
    await new TemplateScaffolder().scaffold({dir, name: 'forced', runtime: 'node', template: 'http', force: true});
    expect(await readFile(join(dir, 'index.js'), 'utf8')).toContain('export function handle(context, body)');
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('unrelated');
  });

  test('an unknown template is refused naming what exists', async () => {
    const dir = join(await tmp(), 'nope');
    await expect(new TemplateScaffolder().scaffold({dir, name: 'nope', runtime: 'node', template: 'grpc' as any})).rejects.toMatchObject({code: 'TEMPLATE_NOT_FOUND'});
    expect(existsSync(dir)).toBe(false);
  });
});
