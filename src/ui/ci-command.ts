// What `fn ci github` and `fn ci gitlab` share: their flags, finding the repository the pipeline file
// belongs to (the function folder may be a subfolder), checking that a registry is known, and writing
// the file: never over an existing one without --force (exit 3), never half a file.
import {Flags} from '@oclif/core';
import {existsSync} from 'node:fs';
import {link, mkdir, rename, rm, writeFile} from 'node:fs/promises';
import {dirname, join, relative, resolve, sep} from 'node:path';
import {registryHost, type PipelineOptions} from '../core/ci-workflow.js';
import {FnError} from '../core/errors.js';
import {parseDuration, parseSteps} from '../core/flag-values.js';
import {loadFunction} from '../core/function.js';
import {resolveImage} from '../core/image-ref.js';
import {validateNamespace} from '../core/names.js';
import {FnCommand} from './base-command.js';
import {pathFlag} from './flags.js';

export const ciFlags = {
  path: pathFlag,
  registry: Flags.string({char: 'r', description: 'registry the pipeline pushes to, HOST[:PORT][/NAMESPACE] (default: fn.yaml registry or image)'}),
  'registry-server': Flags.string({description: 'registry host[:port] the pipeline logs in to (default: the host of the registry the image is pushed to)'}),
  namespace: Flags.string({char: 'n', description: 'namespace to deploy to (default: fn.yaml namespace, else the kubeconfig context\'s)', parse: async (value) => validateNamespace(value, '--namespace')}),
  branch: Flags.string({description: 'branch whose pushes deploy; pull/merge requests into it get previews', default: 'main'}),
  'kubeconfig-secret': Flags.string({description: 'secret (CI/CD variable) that holds the kubeconfig', default: 'KUBECONFIG'}),
  'registry-username-secret': Flags.string({description: 'secret (CI/CD variable) with the registry user name', default: 'REGISTRY_USERNAME'}),
  'registry-password-secret': Flags.string({description: 'secret (CI/CD variable) with the registry password or token', default: 'REGISTRY_PASSWORD'}),
  'rollout-steps': Flags.string({
    description: 'on the branch, roll out through these percentages (fn rollout, e.g. 10,50,100) instead of deploying with all traffic',
    parse: async (value) => parseSteps('rollout-steps', value).join(','),
  }),
  'rollout-interval': Flags.string({description: 'time at each rollout step (fn rollout --interval)', dependsOn: ['rollout-steps'], parse: async (value) => (parseDuration('rollout-interval', value, {allowZero: true}), value)}),
  'rollout-check': Flags.string({description: 'path the rollout\'s health gate GETs (fn rollout --check)', dependsOn: ['rollout-steps']}),
  output: Flags.string({char: 'o', description: 'write the pipeline here (default: in the repository that holds the function)'}),
  'dry-run': Flags.boolean({description: 'print the pipeline instead of writing it'}),
  force: Flags.boolean({char: 'f', description: 'replace an existing file'}),
};

type CiFlags = {
  path: string;
  registry?: string;
  'registry-server'?: string;
  namespace?: string;
  branch: string;
  'kubeconfig-secret': string;
  'registry-username-secret': string;
  'registry-password-secret': string;
  'rollout-steps'?: string;
  'rollout-interval'?: string;
  'rollout-check'?: string;
  output?: string;
  'dry-run': boolean;
  force: boolean;
};

export interface CiResult {
  /** The file written (or that would be, with --dry-run). */
  file: string;
  written: boolean;
  /** Secrets / CI/CD variables the pipeline reads. */
  secrets: string[];
  content: string;
}

/** The closest folder at or above `dir` with a .git (a repository, or a worktree's .git file); else `dir`. */
export function repositoryRoot(dir: string): {root: string; found: boolean} {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return {root: at, found: true};
    if (dirname(at) === at) return {root: dir, found: false};
  }
}

/** `a/b` relative to the root, '/'-separated; '.' for the root itself. */
function inRepository(root: string, path: string): string {
  const rel = relative(root, path);
  return rel === '' ? '.' : rel.split(sep).join('/');
}

export abstract class CiCommand extends FnCommand {
  /** Reads fn.yaml (the folder must hold a function), places the file, and gathers the options both generators take. */
  protected async pipelineOptions(flags: CiFlags, defaultOutput: string): Promise<{options: PipelineOptions; file: string}> {
    const dir = resolve(flags.path);
    const config = await loadFunction(dir);
    const {root, found} = repositoryRoot(dir);
    if (!found) this.progress.warn(`${dir} is in no git repository: the pipeline's paths are relative to it`);
    const file = flags.output ? resolve(flags.output) : join(root, defaultOutput);
    // The pipeline pushes where fn would: fn.yaml's image, else --registry (or FN_REGISTRY), else fn.yaml's registry.
    let pushTo: string;
    try {
      pushTo = resolveImage(config, {registry: flags.registry}).ref.registry;
    } catch (e) {
      if (!(e instanceof FnError && e.code === 'NO_REGISTRY')) throw e;
      throw new FnError('NO_REGISTRY', 'usage', `the pipeline has no registry to push ${config.name} to`, {
        suggestion: 'pass --registry HOST[:PORT]/NAMESPACE (or set FN_REGISTRY), or set registry: (or image:) in fn.yaml',
      });
    }
    const server = flags['registry-server'];
    if (server !== undefined && registryHost(server, '--registry-server') !== pushTo) {
      this.progress.warn(`--registry-server ${server} is not ${pushTo}, where ${config.name} is pushed`);
    }
    const rollout = flags['rollout-steps'] ? {steps: flags['rollout-steps'], interval: flags['rollout-interval'], check: flags['rollout-check']} : undefined;
    return {
      file,
      options: {
        path: inRepository(root, dir),
        file: inRepository(root, file),
        registry: flags.registry,
        ...(server !== undefined ? {registryServer: server} : {}),
        pushRegistry: pushTo,
        namespace: flags.namespace,
        branch: flags.branch,
        kubeconfigSecret: flags['kubeconfig-secret'],
        registryUsernameSecret: flags['registry-username-secret'],
        registryPasswordSecret: flags['registry-password-secret'],
        ...(rollout ? {rollout} : {}),
      },
    };
  }

  /** Prints (--dry-run) or writes the pipeline, and tells what to set up next. */
  protected async emit(content: string, file: string, secrets: string[], flags: {'dry-run': boolean; force: boolean}): Promise<CiResult> {
    const result = {file, written: false, secrets, content};
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) process.stdout.write(content);
      return result;
    }
    await writeNewFile(file, content, flags.force);
    if (!this.jsonEnabled()) {
      this.log(`Wrote ${relative(process.cwd(), file) || file}`);
      this.log(`Next: add the secrets ${secrets.join(', ')}, commit the file and push.`);
    }
    return {...result, written: true};
  }
}

/** Writes `content` to `file` in one step: a temp file beside it, then a link (fails if the file exists) or, with force, a rename. */
export async function writeNewFile(file: string, content: string, force: boolean): Promise<void> {
  const taken = () =>
    new FnError('WOULD_OVERWRITE', 'conflict', `${file} already exists`, {
      suggestion: 'pass --force to replace it, --output to write elsewhere, or --dry-run to print it',
      details: {files: [file]},
    });
  if (!force && existsSync(file)) throw taken();
  await mkdir(dirname(file), {recursive: true});
  const tmp = `${file}.${process.pid}.fn-tmp`;
  await writeFile(tmp, content);
  try {
    if (force) await rename(tmp, file);
    else await link(tmp, file).catch((e: NodeJS.ErrnoException) => Promise.reject(e.code === 'EEXIST' ? taken() : e));
  } finally {
    await rm(tmp, {force: true});
  }
}
