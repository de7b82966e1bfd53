import {Flags} from '@oclif/core';
import {resolve} from 'node:path';
import {planDockerfile} from '../core/dockerfile.js';
import {ejectDockerfile} from '../core/dockerfile-eject.js';
import {loadFunction} from '../core/function.js';
import {runtimesDir} from '../paths.js';
import {FnCommand} from '../ui/base-command.js';
import {pathFlag, withEnv} from '../ui/flags.js';

export default class Dockerfile extends FnCommand {
  static summary = 'Write fn\'s generated Dockerfile into the function folder, to read or own it.';
  static description = `Writes Dockerfile, the runtime's invoker in .fn-invoker/ and (if missing) a .dockerignore, so \`docker build .\` works in the folder. From then on fn build uses that Dockerfile. --stdout prints the Dockerfile and writes nothing.
Exit codes: 2 bad flag or fn.yaml value, 3 the files exist (use --force).`;
  static examples = ['<%= config.bin %> dockerfile --stdout', '<%= config.bin %> dockerfile --base-image node:22-slim --force'];

  static flags = withEnv({
    path: pathFlag,
    'base-image': Flags.string({description: 'image the function runs on (default: fn.yaml build.baseImage, else the runtime\'s)'}),
    'builder-image': Flags.string({description: 'image dependencies are installed or compiled in (default: fn.yaml build.builderImage, else the runtime\'s)'}),
    stdout: Flags.boolean({description: 'print the Dockerfile instead of writing files'}),
    force: Flags.boolean({char: 'f', description: 'overwrite an existing Dockerfile and .fn-invoker/'}),
  });

  async run() {
    const {flags} = await this.parse(Dockerfile);
    const dir = resolve(flags.path);
    const config = await loadFunction(dir);
    const images = {baseImage: flags['base-image'], builderImage: flags['builder-image']};
    if (flags.stdout) {
      const plan = await planDockerfile(dir, config, runtimesDir, {...images, ignoreProjectDockerfile: true});
      const text = plan.kind === 'generated' ? plan.text : '';
      if (!this.jsonEnabled()) process.stdout.write(text);
      return {dockerfile: text};
    }
    const result = await ejectDockerfile(dir, config, runtimesDir, {...images, force: flags.force});
    if (!this.jsonEnabled()) {
      this.log(`Wrote ${result.files.length} files: ${result.files.filter((f) => !f.startsWith('.fn-invoker/')).join(', ')} and .fn-invoker/`);
      this.log('fn build now builds with this Dockerfile; delete it (and .fn-invoker/) to go back to fn\'s.');
    }
    return result;
  }
}
