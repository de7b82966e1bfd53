// Pushes what the host builder made (the store's image of that name) straight to the registry, with the
// user's docker credentials: each blob the registry already has is skipped (HEAD), one in another
// repository of the same registry is mounted from there (the base image's layers, another function's),
// the rest uploaded — base layers fetched from their registry first when the store has no copy. Then
// the manifests (for an index, each platform's first), the top one under the image's tag.
import {FnError} from '../../core/errors.js';
import {digestReference, parseImageRef} from '../../core/image-ref.js';
import type {Progress, PushResult, Pusher} from '../../core/ports.js';
import {fetchBlob, type Manifest} from './base-image.js';
import {isIndex, RegistryClient} from './registry.js';
import {OciStore, type Descriptor} from './store.js';

/** Blobs sent at once. */
const PARALLEL = 3;

async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({length: Math.min(limit, items.length)}, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export class HostPusher implements Pusher {
  constructor(private readonly store = new OciStore()) {}

  async push(image: string, progress: Progress): Promise<PushResult> {
    const ref = parseImageRef(image);
    const top = await this.store.ref(image);
    if (!top) throw new FnError('HOST_IMAGE_MISSING', 'unexpected', `the host builder's store has no image ${image} to push`, {suggestion: 'build it again with --force'});
    const repo = `${ref.registry}/${ref.repository}`;
    const tag = ref.tag ?? 'latest';
    const clients = new Map<string, RegistryClient>();
    const client = (registry: string) => {
      if (!clients.has(registry)) clients.set(registry, new RegistryClient(registry, image, undefined, this.store.schemes));
      return clients.get(registry)!;
    };
    const target = client(ref.registry);
    progress.step(`Pushing ${repo}:${tag} (straight to the registry)`);
    const started = Date.now();

    const manifests: Descriptor[] = [];
    if (isIndex(top.mediaType)) manifests.push(...(await this.store.readJsonBlob<{manifests: Descriptor[]}>(top.digest)).manifests);
    else manifests.push(top);
    const configs = new Set<string>();
    const layers = new Set<string>();
    for (const m of manifests) {
      const manifest = await this.store.readJsonBlob<Manifest>(m.digest);
      configs.add(manifest.config.digest);
      for (const layer of manifest.layers) layers.add(layer.digest);
    }

    let uploaded = 0;
    let existing = 0;
    const send = async (digest: string) => {
      const isLayer = layers.has(digest);
      if (await target.hasBlob(ref.repository, digest, true)) {
        if (isLayer) existing++;
        progress.detail(`${digest.slice(7, 19)}: already there`);
        return;
      }
      for (const source of await this.store.sources(digest)) {
        if (source.registry !== ref.registry || source.repository === ref.repository) continue;
        if (await target.mount(ref.repository, digest, source.repository)) {
          if (isLayer) existing++;
          progress.detail(`${digest.slice(7, 19)}: mounted from ${source.repository}`);
          return;
        }
      }
      await fetchBlob(this.store, digest, client);
      const size = await this.store.blobSize(digest);
      await target.upload(ref.repository, digest, size, () => this.store.blobStream(digest));
      if (isLayer) uploaded++;
      progress.detail(`${digest.slice(7, 19)}: uploaded (${size} bytes)`);
    };
    await eachLimited([...layers, ...[...configs].filter((c) => !layers.has(c))], PARALLEL, send);

    for (const m of manifests) if (m !== top) await target.putManifest(ref.repository, m.digest, m, await this.store.readBlob(m.digest));
    const digest = await target.putManifest(ref.repository, tag, top, await this.store.readBlob(top.digest));
    if (digest !== top.digest) {
      throw new FnError('PUSH_DIGEST_MISMATCH', 'registry', `${ref.registry} stored ${image} as ${digest}, not as the ${top.digest} that was built`, {suggestion: 'push again; if it repeats, the registry rewrites manifests (the digest it reports is what deploy pins)'});
    }
    await this.store.addSource([...layers, ...configs], {registry: ref.registry, repository: ref.repository});
    progress.status(`Pushed ${repo}@${digest} in ${((Date.now() - started) / 1000).toFixed(1)}s (${uploaded} layers uploaded, ${existing} already there)`);
    return {reference: digestReference(ref, digest), digest, layersPushed: uploaded, layersExisting: existing};
  }
}
