// Which Dockerfile a function is built with: the project's own (./Dockerfile or fn.yaml
// build.dockerfile / --dockerfile), else the runtime's Dockerfile runtimes/<runtime>/Dockerfile with the base and
// builder images filled into its `ARG BASE_IMAGE=` / `ARG BUILDER_IMAGE=` defaults.
import {existsSync} from 'node:fs';
import {readdir, readFile} from 'node:fs/promises';
import {isAbsolute, join, relative, resolve, sep} from 'node:path';
import {FnError} from './errors.js';
import type {FunctionConfig} from './function.js';
import {parseImageRef} from './image-ref.js';

/** The file name of a Dockerfile: the runtime's (runtimes/<runtime>/Dockerfile) and a function's own. */
export const DOCKERFILE = 'Dockerfile';
/** Where the runtime's invoker sits in the build context (and in the image's /function). */
export const INVOKER_DIR = '.fn-invoker';
/** Files of runtimes/<runtime>/ that are about the runtime, not part of the invoker. */
const NOT_INVOKER = new Set([DOCKERFILE, 'README.md', 'runtime.yaml', 'test', 'tests', 'testing', 'node_modules', '__pycache__']);
/** Runtimes whose container uses another runtime's invoker (TypeScript compiles to Node.js). */
const INVOKER_OF: Partial<Record<FunctionConfig['runtime'], FunctionConfig['runtime']>> = {typescript: 'node'};
/** Build outputs the generated Dockerfile makes itself: a local copy is never sent. */
export const BUILD_OUTPUTS: Partial<Record<FunctionConfig['runtime'], string[]>> = {typescript: ['/dist/']};

/** A file each runtime's Dockerfile installs dependencies from; its absence is a clear error. */
const REQUIRED_FILES: Partial<Record<FunctionConfig['runtime'], {file: string; fix: string}>> = {
  node: {file: 'package.json', fix: 'run `npm init -y` in the function folder'},
  typescript: {file: 'package.json', fix: 'run `npm init -y` in the function folder'},
  python: {file: 'requirements.txt', fix: 'create it (an empty requirements.txt is fine): touch requirements.txt'},
  go: {file: 'go.mod', fix: 'run `go mod init <module>` in the function folder'},
};

export interface ImageChoices {
  baseImage?: string;
  builderImage?: string;
  /** http | cloudevents: the default of `ARG TEMPLATE=` (fn also passes it as a build arg). */
  template?: string;
}

export type DockerfilePlan =
  | {kind: 'generated'; text: string; baseImage: string; builderImage?: string; invokerDir: string; invokerFiles: string[]}
  | {kind: 'project'; path: string; relativePath: string};

const argLine = (name: string) => new RegExp(`^ARG ${name}=(.*)$`, 'm');

/** The default of `ARG NAME=value` in a Dockerfile, if it declares one. */
export function argDefault(text: string, name: string): string | undefined {
  return text.match(argLine(name))?.[1].trim();
}

/**
 * The runtime's Dockerfile with the chosen images (and the function's template, http | cloudevents)
 * as its ARG defaults: a Dockerfile that builds on its own.
 * Every declaration is set: a multi-stage Dockerfile declares an ARG again in each stage that uses it.
 */
export function renderDockerfile(runtimeDockerfile: string, images: ImageChoices): string {
  let text = runtimeDockerfile;
  for (const [name, value] of [['BASE_IMAGE', images.baseImage], ['BUILDER_IMAGE', images.builderImage], ['TEMPLATE', images.template]] as const) {
    if (value) text = text.replace(new RegExp(argLine(name).source, 'gm'), `ARG ${name}=${value}`);
  }
  return text;
}

async function listInvokerFiles(runtimeDir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(runtimeDir, rel), {withFileTypes: true})) {
    if (!rel && NOT_INVOKER.has(entry.name)) continue;
    if (entry.name === 'node_modules' || entry.name === '__pycache__' || entry.name.startsWith('.')) continue;
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listInvokerFiles(runtimeDir, path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/** The project's Dockerfile, if it has one: --dockerfile, fn.yaml build.dockerfile, or ./Dockerfile. */
function projectDockerfile(dir: string, config: FunctionConfig, flag?: string): {path: string; relativePath: string} | undefined {
  const [value, field] = flag ? [flag, '--dockerfile'] : config.build?.dockerfile ? [config.build.dockerfile, 'fn.yaml build.dockerfile'] : [undefined, undefined];
  if (value && field) {
    const path = isAbsolute(value) ? value : resolve(dir, value);
    const relativePath = relative(dir, path);
    if (relativePath.startsWith('..') || isAbsolute(relativePath)) {
      throw new FnError('DOCKERFILE_OUTSIDE', 'usage', `${field} "${value}" is outside the function folder ${dir}`, {
        suggestion: 'put the Dockerfile inside the function folder (the build context)',
        details: {field, value},
      });
    }
    if (!existsSync(path)) {
      throw new FnError('DOCKERFILE_NOT_FOUND', 'usage', `${field} "${value}" does not exist (looked for ${path})`, {
        suggestion: 'fix the path, or remove it to build with fn\'s generated Dockerfile',
        details: {field, value},
      });
    }
    return {path, relativePath: relativePath.split(sep).join('/')};
  }
  const own = join(dir, DOCKERFILE);
  return existsSync(own) ? {path: own, relativePath: DOCKERFILE} : undefined;
}

export async function planDockerfile(
  dir: string,
  config: FunctionConfig,
  runtimesDir: string,
  options: ImageChoices & {dockerfile?: string; ignoreProjectDockerfile?: boolean} = {},
): Promise<DockerfilePlan> {
  if (!options.ignoreProjectDockerfile) {
    const own = projectDockerfile(dir, config, options.dockerfile);
    if (own) return {kind: 'project', ...own};
  }
  const runtimeDir = join(runtimesDir, config.runtime);
  let runtimeDockerfile: string;
  try {
    runtimeDockerfile = await readFile(join(runtimeDir, DOCKERFILE), 'utf8');
  } catch (e) {
    throw new FnError('NO_DOCKERFILE', 'usage', `fn has no Dockerfile for the ${config.runtime} runtime (${join(runtimeDir, DOCKERFILE)})`, {
      suggestion: 'add a Dockerfile to the function folder, or use a runtime listed by `fn templates`',
      cause: e,
    });
  }
  const baseImage = options.baseImage ?? config.build?.baseImage;
  const builderImage = options.builderImage ?? config.build?.builderImage;
  if (baseImage) parseImageRef(baseImage, options.baseImage ? '--base-image' : 'fn.yaml build.baseImage');
  if (builderImage) parseImageRef(builderImage, options.builderImage ? '--builder-image' : 'fn.yaml build.builderImage');
  const required = REQUIRED_FILES[config.runtime];
  if (required && !existsSync(join(dir, required.file))) {
    throw new FnError('MISSING_DEPENDENCY_FILE', 'usage', `${join(dir, required.file)} is missing: the ${config.runtime} image installs the function's dependencies from it`, {
      suggestion: required.fix,
    });
  }
  const text = renderDockerfile(runtimeDockerfile, {baseImage, builderImage, template: config.template});
  const invokerDir = join(runtimesDir, INVOKER_OF[config.runtime] ?? config.runtime);
  return {
    kind: 'generated',
    text,
    baseImage: argDefault(text, 'BASE_IMAGE') ?? '',
    builderImage: argDefault(text, 'BUILDER_IMAGE'),
    invokerDir,
    invokerFiles: await listInvokerFiles(invokerDir),
  };
}

/**
 * A Dockerfile instruction as the build runs it, for showing: `${NAME}`, `${NAME:-default}` and `$NAME`
 * replaced by the ARG values known (build args over ARG defaults), so a step line reads
 * `FROM node:20-slim`, not `FROM ${BUILDER_IMAGE}`. Names without a value stay as written.
 */
export function expandArgs(instruction: string, values: Record<string, string>): string {
  return instruction.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    const value = values[(braced ?? bare)!];
    if (value !== undefined && value !== '') return value;
    return fallback ?? whole;
  });
}

/** `ARG NAME=value` (one or several, quoted or not): the defaults it declares. */
export function argDeclarations(instruction: string): Record<string, string> {
  const body = instruction.match(/^ARG\s+(.*)$/i)?.[1];
  const out: Record<string, string> = {};
  if (!body) return out;
  for (const m of body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
    out[m[1]] = m[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}
