// The build use case: `fn build [--push]`, and what `fn deploy` and `fn run --container` call.
// Prepares the context and the Dockerfile, skips the build when the inputs hash matches the last
// successful one, builds, pushes (the image is then pinned by digest), and only then records the
// result in .fn/build.json: a failed build or push leaves the previous record as it was.
import {readFile} from 'node:fs/promises';
import type {BuilderKind} from './builder-choice.js';
import {FnError} from './errors.js';
import {FUNCTION_FILE, type FunctionConfig} from './function.js';
import {hashBuildInputs, listContext, type BuildContext} from './build-context.js';
import {readBuildRecord, writeBuildRecord, type BuildRecord} from './build-record.js';
import {BUILD_OUTPUTS, INVOKER_DIR, planDockerfile, type DockerfilePlan} from './dockerfile.js';
import {resolveImage} from './image-ref.js';
import {parsePlatforms} from './platforms.js';
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
  /** The builder the inputs are prepared for (buildAndPush sets it from its adapters); default docker. */
  builder?: BuilderKind;
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
  builder: BuilderKind;
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
  const builder = options.builder ?? 'docker';
  if (platform) {
    const field = options.platform ? '--platform' : 'fn.yaml build.platform';
    if (parsePlatforms(platform, field).length > 1 && builder !== 'host') {
      throw new FnError('MULTI_PLATFORM_NEEDS_HOST', 'usage', `${field} "${platform}" names several platforms: the Docker engine's builder makes one image per build`, {
        suggestion: 'build an image index with --builder host, or name one platform',
        details: {field, value: platform},
      });
    }
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
  // The host builder's image differs from the engine's: its builds are never taken for the engine's.
  const inputsHash = await hashBuildInputs(context, {buildArgs, platform: platform ?? '', ...(builder === 'host' ? {builder} : {})});
  return {image, plan, context, buildArgs, pullImages, platform, inputsHash, reincluded};
}

/**
 * OCI labels (source URL, commit, build time; not part of the inputs hash): build args for fn's
 * Dockerfile, which declares them; image labels for a project's own Dockerfile.
 */
async function ociMetadata(prepared: PreparedBuild, sourceInfo: Promise<SourceInfo>, reproducible: boolean): Promise<{buildArgs: Record<string, string>; labels?: Record<string, string>}> {
  const {source, revision, time} = await sourceInfo;
  const created = reproducible ? sourceDate(time) : new Date().toISOString();
  if (prepared.plan.kind === 'generated') return {buildArgs: {SOURCE: source ?? '', REVISION: revision ?? '', CREATED: created}};
  const labels: Record<string, string> = {'org.opencontainers.image.created': created};
  if (source) labels['org.opencontainers.image.source'] = source;
  if (revision) labels['org.opencontainers.image.revision'] = revision;
  return {buildArgs: {}, labels};
}

/**
 * The build time of a reproducible image (same inputs, same digest): SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention), else the commit's time, else the Unix epoch, as ko does.
 */
export function sourceDate(commitTime: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) {
      throw new FnError('INVALID_SOURCE_DATE_EPOCH', 'usage', `SOURCE_DATE_EPOCH "${epoch}" is not a number of seconds since 1970`, {suggestion: 'e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)'});
    }
    return new Date(Number(epoch) * 1000).toISOString().replace('.000Z', 'Z');
  }
  return (commitTime ? new Date(commitTime) : new Date(0)).toISOString().replace('.000Z', 'Z');
}

export interface BuildAdapters {
  /** Which builder these are (default docker). */
  kind?: BuilderKind;
  /** With the host builder picked because no engine answered: why none did. */
  engineError?: FnError;
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
  /** The commit's time (ISO 8601). */
  time?: string;
}

export async function buildAndPush(
  dir: string,
  config: FunctionConfig,
  options: BuildOptions,
  adapters: BuildAdapters,
  progress: Progress,
): Promise<BuildOutcome> {
  const builder = adapters.kind ?? 'docker';
  // git (the OCI labels' commit and remote) runs while the inputs are hashed, not after.
  const sourceInfo = adapters.sourceInfo(dir);
  const prepared = await prepareBuild(dir, config, {...options, builder}, adapters.runtimesDir);
  const {image, plan, inputsHash} = prepared;
  if (builder === 'host' && plan.kind === 'project') {
    // Only an engine runs a Dockerfile; the host builder assembles fn's generated images.
    if (adapters.engineError) throw adapters.engineError;
    throw new FnError('HOST_BUILD_NEEDS_GENERATED', 'usage', `the host builder builds fn's generated image only, and ${config.name} brings its own ${plan.relativePath}`, {
      suggestion: `build it with the Docker engine (--builder docker), or remove ${plan.relativePath} to use fn's`,
      details: {dockerfile: plan.relativePath},
    });
  }
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
    const what =
      plan.kind === 'project' ? plan.relativePath : builder === 'host' ? `on this host: fn's ${config.runtime} image on ${plan.baseImage}` : `fn's ${config.runtime} Dockerfile on ${plan.baseImage}`;
    progress.step(`Building ${image} (${what})`);
    const oci = await ociMetadata(prepared, sourceInfo, builder === 'host');
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
        ...(plan.kind === 'generated' ? {generated: {runtime: config.runtime, template: prepared.buildArgs.TEMPLATE, baseImage: plan.baseImage}} : {}),
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
    ...(builder === 'host' ? {builder} : {}),
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
    builder,
    ...images,
    ...(steps === undefined ? {} : {steps, cachedSteps}),
    ...(push ? {layersPushed: push.layersPushed, layersExisting: push.layersExisting} : {}),
  };
}
