import {Flags} from '@oclif/core';
import {resolve} from 'node:path';
import {buildAndPush} from '../core/build.js';
import {loadFunction} from '../core/function.js';
import {parseKeyValues} from '../core/key-values.js';
import {buildAdapters} from '../factory.js';
import {FnCommand} from '../ui/base-command.js';
import {builderFlag, pathFlag, withEnv} from '../ui/flags.js';

export default class Build extends FnCommand {
  static liveProgress = true;
  static summary = 'Build the function\'s container image, and push it with --push.';
  static description = `Builds with the project's own Dockerfile when it has one, else with fn's Dockerfile for the runtime (see \`fn dockerfile\`). The engine is DOCKER_HOST or the default socket (Podman's works too); registry credentials come from ~/.docker/config.json (DOCKER_CONFIG).
--builder host (the default when no engine answers) builds fn's image on this machine without a daemon: the base image's layers plus the function's (dependencies installed with the host's npm, pip or go for the target platform), reproducible, pushed straight to the registry.
When nothing that goes into the image changed since the last build, the build is skipped (--force rebuilds). After --push the image is pinned by digest in .fn/build.json, which fn deploy uses.
Image: --image, else fn.yaml image, else <registry>/<name>:latest with the registry from --registry, fn.yaml registry or FN_REGISTRY.
Exit codes: 2 bad flag or fn.yaml value, 4 no Docker engine, 5 build failed (a step, or the base image is missing), 6 registry unreachable, credentials refused or push failed.`;
  static examples = [
    '<%= config.bin %> build --registry 127.0.0.1:5000/team --push',
    '<%= config.bin %> build --image ghcr.io/acme/hello:v2 --push --platform linux/arm64',
    '<%= config.bin %> build --builder host --push --platform linux/amd64,linux/arm64',
    '<%= config.bin %> build --base-image node:22-slim --build-arg NPM_CONFIG_REGISTRY=https://npm.example.com',
  ];

  static flags = withEnv({
    path: pathFlag,
    image: Flags.string({char: 'i', description: 'image to build, REGISTRY/NAME[:TAG] (default: fn.yaml image, else <registry>/<name>:latest)'}),
    registry: Flags.string({char: 'r', description: 'registry to name the image in, HOST[:PORT][/NAMESPACE] (default: fn.yaml registry, else FN_REGISTRY)'}),
    push: Flags.boolean({description: 'push the image and pin it by digest in .fn/build.json'}),
    platform: Flags.string({description: 'target platform OS/ARCH[/VARIANT], e.g. linux/arm64; with --builder host a list makes an image index, e.g. linux/amd64,linux/arm64 (default: fn.yaml build.platform, else the engine\'s or this machine\'s)'}),
    'base-image': Flags.string({description: 'image the function runs on (default: fn.yaml build.baseImage, else the runtime\'s, e.g. node:20-slim)'}),
    'builder-image': Flags.string({description: 'image dependencies are installed or compiled in (default: fn.yaml build.builderImage, else the runtime\'s)'}),
    'build-arg': Flags.string({description: 'build argument NAME=VALUE (repeatable; wins over fn.yaml build.buildArgs)', multiple: true}),
    dockerfile: Flags.string({description: 'build with this Dockerfile in the function folder (default: fn.yaml build.dockerfile, else ./Dockerfile, else fn\'s)'}),
    'no-cache': Flags.boolean({description: 'rebuild every step without the engine\'s layer cache (implies --force)'}),
    force: Flags.boolean({char: 'f', description: 'build even when the inputs are unchanged since the last build'}),
    network: Flags.string({description: 'network for RUN steps (default: the engine\'s; host on an engine without a bridge)'}),
    builder: builderFlag,
  });

  async run() {
    const {flags} = await this.parse(Build);
    const dir = resolve(flags.path);
    const config = await loadFunction(dir);
    const buildArgs = parseKeyValues(flags['build-arg'] ?? [], 'build-arg');
    const outcome = await buildAndPush(
      dir,
      config,
      {
        image: flags.image,
        registry: flags.registry,
        push: flags.push,
        platform: flags.platform,
        baseImage: flags['base-image'],
        builderImage: flags['builder-image'],
        buildArgs,
        dockerfile: flags.dockerfile,
        force: flags.force,
        noCache: flags['no-cache'],
        network: flags.network,
      },
      await buildAdapters({builder: flags.builder, progress: this.progress}),
      this.progress,
    );
    if (!this.jsonEnabled()) {
      this.log(`${outcome.skipped ? 'Unchanged' : 'Built'}: ${outcome.image}`);
      if (outcome.pushed) this.log(`Pushed: ${outcome.reference}`);
      else if (!outcome.reference) this.log('Next: fn build --push (or fn deploy) to push it');
    }
    return outcome;
  }
}
