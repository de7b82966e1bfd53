// Builds through the engine's /build API (dockerode) with the classic builder, which every engine
// and Podman's compatible socket speak. Shows each step; the full log with --verbose; on failure the
// step that failed and its last lines.
import type Docker from 'dockerode';
import {FnError} from '../../core/errors.js';
import {argDeclarations, expandArgs} from '../../core/dockerfile.js';
import {parseImageRef, type ImageRef} from '../../core/image-ref.js';
import type {BuildRequest, BuildResult, Builder, Progress} from '../../core/ports.js';
import {contextTar} from './context-tar.js';
import {registryConfigFor} from './credentials.js';
import {connectEngine, defaultNetwork, engineMessage} from './engine.js';
import {IMAGE_NOT_FOUND, REGISTRY_UNAUTHORIZED, REGISTRY_UNREACHABLE} from './registry-messages.js';

const LAST_LINES = 15;
const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
const WORK_STEP = /^(FROM|RUN|COPY|ADD)\s/i;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

interface BuildEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: {message?: string};
  aux?: {ID?: string};
}

/** Follows the build's JSON stream: steps, cache hits, the image id, and the tail of each step's output. */
class BuildLog {
  step?: {n: number; total: number; instruction: string};
  cached = 0;
  lastLines: string[] = [];
  imageId?: string;
  error?: string;
  pulling = false;
  /** ARG values seen so far (declared defaults, then the build args over them): to show steps expanded. */
  private args: Record<string, string>;

  constructor(
    private progress: Progress,
    private buildArgs: Record<string, string> = {},
  ) {
    this.args = {...buildArgs};
  }

  event(e: BuildEvent) {
    if (e.error || e.errorDetail) {
      this.error = (e.errorDetail?.message ?? e.error ?? '').trim();
      return;
    }
    if (e.aux?.ID) this.imageId = e.aux.ID;
    if (e.status) {
      // Pulling a FROM image: said once; each layer's state is detail.
      const from = e.status.match(/^Pulling from (.+)$/);
      if (from) this.progress.status(`      pulling ${from[1]}${e.id ? `:${e.id}` : ''}`);
      this.pulling = true;
      if (!e.progress) this.progress.detail(`${e.id ? `${e.id}: ` : ''}${e.status}`);
      return;
    }
    for (const raw of (e.stream ?? '').split('\n')) {
      // Build output often carries colour codes (npm's red errors): the tail must stay readable.
      const line = raw.replace(ANSI, '').replace(/\r$/, '').trimEnd();
      if (!line) continue;
      const step = line.match(STEP);
      if (step) {
        this.step = {n: Number(step[1]), total: Number(step[2]), instruction: step[3]};
        this.lastLines = [];
        this.pulling = false;
        for (const [name, value] of Object.entries(argDeclarations(step[3]))) {
          if (!(name in this.buildArgs)) this.args[name] = expandArgs(value, this.args);
        }
        // Steps that do work are progress; ARG, ENV, LABEL and the like are detail. Shown with the
        // ARGs expanded (FROM node:20-slim, not FROM ${BUILDER_IMAGE}).
        const text = `[${step[1]}/${step[2]}] ${expandArgs(step[3], this.args).replace(/\s+/g, ' ')}`;
        if (WORK_STEP.test(step[3])) this.progress.status(text.length > 120 ? `${text.slice(0, 117)}...` : text);
        else this.progress.detail(text);
        continue;
      }
      if (line === ' ---> Using cache') this.cached++;
      this.progress.detail(line);
      if (/^ ---> |^Removing intermediate container |^Successfully (built|tagged) /.test(line)) continue;
      this.lastLines.push(line);
      if (this.lastLines.length > LAST_LINES) this.lastLines.shift();
    }
  }
}

/** A failed build as one FnError: which step, its last lines, and the class of failure. */
function buildError(log: BuildLog, message: string, request: BuildRequest): FnError {
  const step = log.step;
  const where = step ? `step ${step.n}/${step.total} (${step.instruction})` : 'before the first step';
  const tail = log.lastLines.length ? `\n${log.lastLines.map((l) => `    ${l}`).join('\n')}` : '';
  const details = {step: step ? {number: step.n, of: step.total, instruction: step.instruction} : undefined, lastLines: log.lastLines, engineMessage: message};
  const isFrom = !step || /^FROM /i.test(step.instruction) || log.pulling;
  if (isFrom) {
    const image = step?.instruction.match(/^FROM\s+(?:--platform=\S+\s+)?(\S+)/i)?.[1] ?? request.pullImages?.[0] ?? 'the base image';
    if (REGISTRY_UNAUTHORIZED.test(message)) {
      return new FnError('BASE_IMAGE_UNAUTHORIZED', 'registry', `cannot pull ${image}: the registry refused access (${message})`, {
        suggestion: `log in to its registry (\`docker login ${safeRegistry(image)}\`) or choose another image with --base-image / --builder-image`,
        details,
      });
    }
    if (REGISTRY_UNREACHABLE.test(message)) {
      return new FnError('REGISTRY_UNREACHABLE', 'registry', `cannot pull ${image}: its registry is unreachable (${message})`, {
        suggestion: 'check the registry address and your network, or use a base image the engine already has',
        details,
      });
    }
    if (IMAGE_NOT_FOUND.test(message)) {
      return new FnError('BASE_IMAGE_NOT_FOUND', 'buildFailed', `base image ${image} was not found (${message})`, {
        suggestion: 'check the name and tag, or set another with --base-image / --builder-image (fn.yaml build.baseImage / build.builderImage)',
        details,
      });
    }
  }
  if (/dockerfile parse error|unknown instruction/i.test(message)) {
    return new FnError('DOCKERFILE_INVALID', 'buildFailed', `the Dockerfile (${request.context.dockerfile}) is invalid: ${message}`, {suggestion: 'fix the Dockerfile at the line named above', details});
  }
  return new FnError('BUILD_STEP_FAILED', 'buildFailed', `build failed at ${where}: ${message}${tail}`, {
    suggestion: 'fix the error shown above and build again (--verbose shows the whole build log)',
    details,
  });
}

function safeRegistry(image: string): string {
  try {
    return parseImageRef(image).registry;
  } catch {
    return '<registry>';
  }
}

function registriesOf(images: string[] = []): string[] {
  const out: string[] = [];
  for (const image of images) {
    try {
      out.push(parseImageRef(image).registry);
    } catch {
      // an unparsable FROM is the engine's to report
    }
  }
  return out;
}

function splitTag(ref: ImageRef): {repo: string; tag: string} {
  return {repo: `${ref.registry}/${ref.repository}`, tag: ref.tag ?? 'latest'};
}

export class DockerBuilder implements Builder {
  constructor(private readonly engine: () => Promise<Docker> = connectEngine) {}

  async build(request: BuildRequest, progress: Progress): Promise<BuildResult> {
    const docker = await this.engine();
    const network = request.network ?? (await defaultNetwork(docker));
    const registryconfig = await registryConfigFor(registriesOf(request.pullImages));
    const log = new BuildLog(progress, request.buildArgs);
    const started = Date.now();
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.buildImage(contextTar(request.context) as unknown as NodeJS.ReadableStream, {
        t: request.image,
        dockerfile: request.context.dockerfile,
        buildargs: request.buildArgs,
        labels: request.labels,
        platform: request.platform,
        nocache: request.noCache,
        networkmode: network,
        registryconfig,
        rm: true,
        forcerm: true,
      });
    } catch (e) {
      throw buildError(log, engineMessage(e), request);
    }
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: BuildEvent) => log.event(event),
      );
    }).catch((e) => {
      log.error ??= engineMessage(e);
    });
    if (log.error) throw buildError(log, log.error, request);
    const imageId = log.imageId ?? (await docker.getImage(request.image).inspect()).Id;
    const steps = log.step?.total ?? 0;
    progress.status(`Built ${request.image} (${imageId.slice(7, 19)}) in ${((Date.now() - started) / 1000).toFixed(1)}s, ${log.cached}/${steps} steps cached`);
    return {image: request.image, imageId, steps, cachedSteps: log.cached};
  }

  async retag(imageId: string, image: string): Promise<boolean> {
    const docker = await this.engine();
    try {
      await docker.getImage(imageId).inspect();
    } catch (e) {
      if ((e as {statusCode?: number}).statusCode === 404) return false;
      throw e;
    }
    await docker.getImage(imageId).tag(splitTag(parseImageRef(image)));
    return true;
  }
}
