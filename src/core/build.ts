// The build use case: `fn build [--push]`, and what `fn deploy` and `fn run --container` call.
// Prepares the context and the Dockerfile, skips the build when the inputs hash matches the last
// successful one, builds, pushes (the image is then pinned by digest), and only then records the
// result in .fn/build.json: a failed build or push leaves the previous record as it was.
import {readFile} from 'node:fs/promises';
import {FnError} from './errors.js';
import {FUNCTION_FILE, type FunctionConfig} from './function.js';
import {hashBuildInputs, listContext, type BuildContext} from './build-context.js';
import {readBuildRecord, writeBuildRecord, type BuildRecord} from './build-record.js';
import {BUILD_OUTPUTS, INVOKER_DIR, planDockerfile, type DockerfilePlan} from './dockerfile.js';
import {resolveImage} from './image-ref.js';
import type {Builder, Progress, Pusher} from './ports.js';

export interface BuildOptions {
  image?: string;
  registry?: string;
  push?: boolean;
  platform?: string;
  baseImage?: string;
  builderImage?: string;
  /** --build-arg values; they win over fn.yaml build.buildArgs. */
  buildArgs?: Record<string, string>;
  dockerfile?: string;
  /** Rebuild even when the inputs are unchanged. */
  force?: boolean;
  /** Rebuild every step (the engine's cache is not used); implies force. */
  noCache?: boolean;
  network?: string;
}

export interface BuildOutcome {
  name: string;
  /** The tag built: registry/name:tag */
  image: string;
  imageId: string;
  /** registry/name@sha256:… once pushed (by this run, or by the build it reused). */
  reference?: string;
  digest?: string;
  /** True when the inputs matched the last build and the engine still had its image. */
  skipped: boolean;
  pushed: boolean;
  inputsHash: string;
  /** 'generated' or the project's Dockerfile path (relative to the function folder). */
  dockerfile: string;
  baseImage?: string;
  builderImage?: string;
  steps?: number;
  cachedSteps?: number;
  layersPushed?: number;
  layersExisting?: number;
}

export interface PreparedBuild {
  image: string;
  plan: DockerfilePlan;
  context: BuildContext;
  /** Build args that decide the image (hashed). */
  buildArgs: Record<string, string>;
  pullImages: string[];
  platform?: string;
  inputsHash: string;
  /** Never-shipped files (keys, credentials…) that .fnignore re-includes: they are in the context. */
  reincluded: string[];
}

/** FROM images of a Dockerfile that are not earlier stages or unresolved ${ARGS}. */
export function fromImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const match of dockerfile.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    const [, image, stage] = match;
    if (!stages.has(image.toLowerCase()) && !image.includes('$') && image !== 'scratch') images.push(image);
    if (stage) stages.add(stage.toLowerCase());
  }
  return images;
}

/** Everything short of talking to the engine: image name, Dockerfile, context, inputs hash. */
export async function prepareBuild(dir: string, config: FunctionConfig, options: BuildOptions, runtimesDir: string): Promise<PreparedBuild> {
  const {name: image} = resolveImage(config, {image: options.image, registry: options.registry, localFallback: !options.push});
  const plan = await planDockerfile(dir, config, runtimesDir, options);
  const platform = options.platform ?? config.build?.platform;
  if (platform && !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform)) {
    throw new FnError('INVALID_PLATFORM', 'usage', `--platform "${platform}" is not OS/ARCH[/VARIANT]`, {suggestion: 'e.g. --platform linux/amd64 or linux/arm64'});
  }
  const buildArgs = {...config.build?.buildArgs, ...options.buildArgs};
  let context: BuildContext;
  let pullImages: string[];
  let reincluded: string[];
  if (plan.kind === 'generated') {
    // fn owns .fn-invoker/ in a generated build: the user's copy (from `fn dockerfile`) is replaced.
    // fn.yaml is fn's, not the function's (no invoker reads it), and what of it decides the image (base
    // images, template, build args) is in the Dockerfile and the inputs hash: left out, an edit of
    // subscriptions, scale or env does not rebuild the image, nor make a revision of a new digest.
    const listing = await listContext(dir, [`/${INVOKER_DIR}/`, '/Dockerfile', `/${FUNCTION_FILE}`, ...(BUILD_OUTPUTS[config.runtime] ?? [])]);
    const {files} = listing;
    reincluded = listing.reincluded;
    context = {
      sources: [
        {root: dir, prefix: '', files},
        {root: plan.invokerDir, prefix: `${INVOKER_DIR}/`, files: plan.invokerFiles},
      ],
      generated: [{name: `${INVOKER_DIR}/Dockerfile`, content: plan.text}],
      dockerfile: `${INVOKER_DIR}/Dockerfile`,
    };
    buildArgs.TEMPLATE ??= config.template ?? 'http';
    pullImages = [plan.baseImage, ...(plan.builderImage ? [plan.builderImage] : [])];
  } else {
    const listing = await listContext(dir);
    reincluded = listing.reincluded;
    context = {sources: [{root: dir, prefix: '', files: listing.files}], generated: [], dockerfile: plan.relativePath};
    pullImages = fromImages(await readFile(plan.path, 'utf8'));
  }
  const inputsHash = await hashBuildInputs(context, {buildArgs, platform: platform ?? ''});
  return {image, plan, context, buildArgs, pullImages, platform, inputsHash, reincluded};
}

/**
 * OCI labels (source URL, commit, build time; not part of the inputs hash): build args for fn's
 * Dockerfile, which declares them; image labels for a project's own Dockerfile.
 */
async function ociMetadata(dir: string, prepared: PreparedBuild, sourceInfo: BuildAdapters['sourceInfo']): Promise<{buildArgs: Record<string, string>; labels?: Record<string, string>}> {
  const {source, revision} = await sourceInfo(dir);
  const created = new Date().toISOString();
  if (prepared.plan.kind === 'generated') return {buildArgs: {SOURCE: source ?? '', REVISION: revision ?? '', CREATED: created}};
  const labels: Record<string, string> = {'org.opencontainers.image.created': created};
  if (source) labels['org.opencontainers.image.source'] = source;
  if (revision) labels['org.opencontainers.image.revision'] = revision;
  return {buildArgs: {}, labels};
}

export interface BuildAdapters {
  builder: Builder;
  /** Needed only with push. */
  pusher?: Pusher;
  runtimesDir: string;
  /** Where the source comes from (git remote and commit), for the OCI labels; never fails. */
  sourceInfo: (dir: string) => Promise<SourceInfo>;
}

export interface SourceInfo {
  source?: string;
  revision?: string;
}

export async function buildAndPush(
  dir: string,
  config: FunctionConfig,
  options: BuildOptions,
  adapters: BuildAdapters,
  progress: Progress,
): Promise<BuildOutcome> {
  const prepared = await prepareBuild(dir, config, options, adapters.runtimesDir);
  const {image, plan, inputsHash} = prepared;
  for (const path of prepared.reincluded) {
    progress.warn(`${path} goes into the image because .fnignore re-includes it (keys, credentials and secrets are otherwise never shipped)`);
  }
  if (plan.kind === 'project' && (options.baseImage || options.builderImage)) {
    progress.warn(`--base-image / --builder-image are not used: ${plan.relativePath} names its own images`);
  }
  const previous = await readBuildRecord(dir);
  const dockerfile = plan.kind === 'generated' ? 'generated' : plan.relativePath;
  const images = plan.kind === 'generated' ? {baseImage: plan.baseImage, builderImage: plan.builderImage} : {};

  let imageId: string;
  let skipped = false;
  let steps: number | undefined;
  let cachedSteps: number | undefined;
  const reusable = !options.force && !options.noCache && previous?.inputsHash === inputsHash;
  if (reusable && (await adapters.builder.retag(previous.imageId, image))) {
    skipped = true;
    imageId = previous.imageId;
    progress.step(`${config.name}: inputs unchanged since the last build, reusing ${previous.imageId.slice(0, 19)} as ${image}`);
  } else {
    const what = plan.kind === 'generated' ? `fn's ${config.runtime} Dockerfile on ${plan.baseImage}` : plan.relativePath;
    progress.step(`Building ${image} (${what})`);
    const oci = await ociMetadata(dir, prepared, adapters.sourceInfo);
    const result = await adapters.builder.build(
      {
        context: prepared.context,
        image,
        buildArgs: {...prepared.buildArgs, ...oci.buildArgs},
        labels: oci.labels,
        platform: prepared.platform,
        noCache: options.noCache,
        network: options.network,
        pullImages: prepared.pullImages,
      },
      progress,
    );
    ({imageId, steps, cachedSteps} = result);
  }

  let pushed = false;
  let push: Awaited<ReturnType<Pusher['push']>> | undefined;
  if (options.push) {
    if (!adapters.pusher) throw new FnError('NO_PUSHER', 'unexpected', 'push requested without a pusher');
    push = await adapters.pusher.push(image, progress);
    pushed = true;
  }

  // A reused build keeps its digest only when it was pushed under the same name.
  const kept = skipped && previous?.image === image && previous.reference ? {reference: previous.reference, digest: previous.digest, pushedAt: previous.pushedAt} : {};
  const record: BuildRecord = {
    image,
    imageId,
    inputsHash,
    builtAt: skipped && previous ? previous.builtAt : new Date().toISOString(),
    ...kept,
    ...(push ? {reference: push.reference, digest: push.digest, pushedAt: new Date().toISOString()} : {}),
    ...images,
    ...(prepared.platform ? {platform: prepared.platform} : {}),
  };
  await writeBuildRecord(dir, record);
  return {
    name: config.name,
    image,
    imageId,
    reference: record.reference,
    digest: record.digest,
    skipped,
    pushed,
    inputsHash,
    dockerfile,
    ...images,
    ...(steps === undefined ? {} : {steps, cachedSteps}),
    ...(push ? {layersPushed: push.layersPushed, layersExisting: push.layersExisting} : {}),
  };
}
