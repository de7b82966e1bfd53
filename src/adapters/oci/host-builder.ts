// fn's daemonless builder: the function's image made on this host from its base image, without a
// Docker engine. For each target platform: the base image's manifest and config from its registry,
// the runtime's layers on top (assemble-*.ts), and the config the generated Dockerfile's final stage
// declares (core/image-contract.ts: user, env, workdir, CMD/ENTRYPOINT, labels); several platforms make
// an image index. Everything lands in the local store (store.ts) under the image's name; the host
// pusher sends it to the registry. Same inputs → the same bytes → the same digest.
import {FnError} from '../../core/errors.js';
import {finalStageSettings} from '../../core/image-contract.js';
import {parseImageRef} from '../../core/image-ref.js';
import {formatPlatform, parsePlatforms, type Platform} from '../../core/platforms.js';
import type {BuildRequest, BuildResult, Builder, Progress} from '../../core/ports.js';
import {assembleGo} from './assemble-go.js';
import {assembleNode, assembleTypescript} from './assemble-node.js';
import {assemblePython} from './assemble-python.js';
import type {AppLayer, Assembler} from './assemble.js';
import {resolveBase, type BaseImage, type ImageConfig, type Manifest} from './base-image.js';
import {MEDIA, RegistryClient} from './registry.js';
import {OciStore, type Descriptor} from './store.js';

const ASSEMBLERS: Record<string, Assembler> = {node: assembleNode, typescript: assembleTypescript, python: assemblePython, go: assembleGo};

/** The image config: the base's, with the Dockerfile's settings, the new layers and their history. */
function imageConfig(base: BaseImage, dockerfile: string, buildArgs: Record<string, string>, layers: AppLayer[], created: string): ImageConfig {
  const settings = finalStageSettings(dockerfile, base.config.config ?? {}, buildArgs);
  const {config: baseSettings = {}} = base.config;
  const config: ImageConfig = {
    ...base.config,
    architecture: base.platform.architecture,
    os: base.platform.os,
    created,
    config: {...baseSettings, ...settings},
    rootfs: {type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, ...layers.map((l) => l.diffId)]},
    history: [...(base.config.history ?? []), ...layers.map((l) => ({created, created_by: `${l.createdBy} # built on the host by fn`}))],
  };
  if (base.platform.variant) config.variant = base.platform.variant;
  else delete config.variant;
  if (config.config && settings.Cmd === null) delete config.config.Cmd;
  if (config.config && settings.Entrypoint === null) delete config.config.Entrypoint;
  return config;
}

export class HostBuilder implements Builder {
  constructor(private readonly store = new OciStore()) {}

  async build(request: BuildRequest, progress: Progress): Promise<BuildResult> {
    const started = Date.now();
    const generated = request.generated;
    if (!generated) throw new FnError('HOST_BUILD_NEEDS_GENERATED', 'usage', "the host builder builds fn's generated images only", {suggestion: 'build with --builder docker'});
    const assemble = ASSEMBLERS[generated.runtime];
    if (!assemble) throw new FnError('HOST_BUILD_RUNTIME', 'usage', `the host builder has no assembler for the ${generated.runtime} runtime`, {suggestion: 'build with --builder docker'});
    const dockerfile = request.context.generated.find((f) => f.name === request.context.dockerfile)?.content;
    if (!dockerfile) throw new FnError('HOST_BUILD_CONTEXT', 'unexpected', 'the build context has no generated Dockerfile');
    const dir = request.context.sources.find((s) => s.prefix === '')?.root ?? '';
    const platforms: Platform[] | undefined = request.platform ? parsePlatforms(request.platform) : undefined;
    const baseRef = parseImageRef(generated.baseImage, 'base image');
    const bases = await resolveBase(this.store, generated.baseImage, platforms, new RegistryClient(baseRef.registry, generated.baseImage, undefined, this.store.schemes));
    const created = request.buildArgs.CREATED || new Date(0).toISOString();
    const images: Descriptor[] = [];
    let made = 0;
    let cached = 0;
    for (const base of bases) {
      if (bases.length > 1) progress.status(`      ${formatPlatform(base.platform)}`);
      const layers = await assemble({store: this.store, context: request.context, template: generated.template, base, platform: base.platform, progress, noCache: request.noCache, dir});
      made += layers.length;
      cached += layers.filter((l) => l.cached).length;
      const config = imageConfig(base, dockerfile, request.buildArgs, layers, created);
      const docker = base.family === 'docker';
      const configDescriptor = await this.store.putBlob(JSON.stringify(config), docker ? MEDIA.dockerConfig : MEDIA.ociConfig);
      const manifest: Manifest = {
        schemaVersion: 2,
        mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
        config: configDescriptor,
        layers: [...base.manifest.layers, ...layers.map((l) => ({mediaType: docker ? MEDIA.dockerLayer : MEDIA.ociLayer, digest: l.digest, size: l.size}))],
      };
      const descriptor = await this.store.putBlob(JSON.stringify(manifest), manifest.mediaType);
      images.push({...descriptor, platform: {os: base.platform.os, architecture: base.platform.architecture, ...(base.platform.variant ? {variant: base.platform.variant} : {})}});
    }
    let top: Descriptor;
    if (images.length === 1) {
      const {platform: _platform, ...only} = images[0];
      top = only;
    } else {
      const docker = bases.every((b) => b.family === 'docker');
      const mediaType = docker ? MEDIA.dockerList : MEDIA.ociIndex;
      top = await this.store.putBlob(JSON.stringify({schemaVersion: 2, mediaType, manifests: images}), mediaType);
    }
    await this.store.setRef(request.image, top);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const what = images.length > 1 ? `an index of ${images.map((i) => formatPlatform(i.platform!)).join(', ')}` : formatPlatform(bases[0].platform);
    progress.status(`Built ${request.image} (${top.digest.slice(7, 19)}) in ${seconds}s, ${what}, ${cached}/${made} layers cached`);
    return {image: request.image, imageId: top.digest, steps: made, cachedSteps: cached};
  }

  /** The store still has the image (its manifest and every blob it names): name it `image` again. */
  async retag(imageId: string, image: string): Promise<boolean> {
    if (!imageId.startsWith('sha256:') || !(await this.store.hasBlob(imageId))) return false;
    const top = await this.store.readJsonBlob<{mediaType: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[]}>(imageId);
    const manifests = top.manifests ? await Promise.all(top.manifests.map((m) => this.store.readJsonBlob<Manifest>(m.digest).catch(() => undefined))) : [top as Manifest];
    for (const m of manifests) {
      if (!m?.config || !(await this.store.hasBlob(m.config.digest))) return false;
      // Base layers may live only in their registry (pushes mount or fetch them); the function's must be here.
      for (const layer of m.layers) if (!(await this.store.hasBlob(layer.digest)) && (await this.store.sources(layer.digest)).length === 0) return false;
    }
    await this.store.setRef(image, {mediaType: top.mediaType, digest: imageId, size: await this.store.blobSize(imageId)});
    return true;
  }
}
