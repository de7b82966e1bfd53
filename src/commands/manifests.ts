import {Flags} from '@oclif/core';
import {mkdir, writeFile} from 'node:fs/promises';
import {join, resolve} from 'node:path';
import {readBuildRecord} from '../core/build-record.js';
import {FnError} from '../core/errors.js';
import {loadFunction, type RoutingMode} from '../core/function.js';
import type {PingSource, Trigger} from '../core/eventing.js';
import {eventManifests} from '../core/event-manifests.js';
import type {KnativeConfiguration, KnativeRoute, KnativeService} from '../core/knative.js';
import {assertDigestReference, buildManifests, manifestObjects, renderManifests, routingOf} from '../core/manifests.js';
import {FnCommand} from '../ui/base-command.js';
import {namespaceFlag, routingFlag} from '../ui/cluster-flags.js';
import {pathFlag, withEnv} from '../ui/flags.js';
import {stringify} from 'yaml';

export default class Manifests extends FnCommand {
  static summary = 'Write the Knative objects fn deploy would apply, without touching a cluster (for GitOps).';
  static description = `Deterministic: the same fn.yaml and image give the same bytes. The image is --image, else the digest of the last \`fn build --push\` (.fn/build.json). Without -o the YAML goes to stdout; with -o DIR one file per object (service.yaml, or configuration.yaml and route.yaml; trigger-NAME.yaml and pingsource-NAME.yaml for fn.yaml's subscriptions and schedules, which fn deploy also makes owned by the Service).
Exit codes: 2 bad flag or fn.yaml value, 8 no pushed image to use.`;
  static examples = ['<%= config.bin %> manifests', '<%= config.bin %> manifests -o deploy/ --namespace prod', '<%= config.bin %> manifests --routing route --image reg/hello@sha256:<digest>'];

  static flags = withEnv({
    path: pathFlag,
    image: Flags.string({char: 'i', description: 'image pinned by digest (default: the last pushed build)'}),
    output: Flags.string({char: 'o', description: 'write files into this folder instead of stdout'}),
    namespace: namespaceFlag('namespace to put in the objects (default: fn.yaml namespace, else none)'),
    routing: routingFlag,
  });

  async run(): Promise<{files?: string[]; objects: Array<KnativeService | KnativeConfiguration | KnativeRoute | Trigger | PingSource>}> {
    const {flags} = await this.parse(Manifests);
    const dir = resolve(flags.path);
    const config = await loadFunction(dir);
    const image = flags.image ? assertDigestReference(flags.image) : (await readBuildRecord(dir))?.reference;
    if (!image) {
      throw new FnError('NO_IMAGE', 'notFound', `no image for ${config.name}: pass --image REGISTRY/NAME@sha256:…, or build and push first`, {
        suggestion: 'fn build --push (then run fn manifests again)',
      });
    }
    const namespace = flags.namespace ?? config.namespace;
    const routing = routingOf(config, flags.routing as RoutingMode | undefined);
    const manifests = buildManifests(config, {image, namespace, routing});
    const events = eventManifests(config, {namespace, routing});
    const objects = [...manifestObjects(manifests), ...events.triggers, ...events.pingSources];
    if (!flags.output) {
      if (!this.jsonEnabled()) process.stdout.write(renderManifests(manifests, [...events.triggers, ...events.pingSources]));
      return {objects};
    }
    const out = resolve(flags.output);
    await mkdir(out, {recursive: true});
    const files: string[] = [];
    for (const object of objects) {
      const kind = object.kind.toLowerCase();
      const file = join(out, kind === 'trigger' || kind === 'pingsource' ? `${kind}-${object.metadata.name}.yaml` : `${kind}.yaml`);
      await writeFile(file, stringify(object, {lineWidth: 0}));
      files.push(file);
    }
    if (!this.jsonEnabled()) this.log(`Wrote ${files.join(', ')}`);
    return {files, objects};
  }
}
