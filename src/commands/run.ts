import {Flags} from '@oclif/core';
import {resolve} from 'node:path';
import {loadFunction, type FunctionConfig} from '../core/function.js';
import {FnError} from '../core/errors.js';
import {parseKeyValues} from '../core/key-values.js';
import {buildAdapters, containerRunner, hostRunner} from '../factory.js';
import {FnCommand} from '../ui/base-command.js';
import {countFlag, pathFlag, withEnv} from '../ui/flags.js';
import {interruptible} from '../ui/interrupt.js';

export default class Run extends FnCommand {
  static summary = 'Run the function locally with its runtime invoker.';
  static description = 'Serves the function on http://127.0.0.1:PORT until Ctrl-C. Health endpoints: /health/liveness, /health/readiness.';
  static examples = ['<%= config.bin %> run', '<%= config.bin %> run --port 9000 --env GREETING=hi'];

  static flags = withEnv({
    path: pathFlag,
    port: countFlag({description: 'port to listen on', default: 8080, min: 1, max: 65535}),
    env: Flags.string({char: 'e', description: 'environment variable NAME=VALUE (repeatable)', multiple: true}),
    container: Flags.boolean({description: 'build the image (skipped when unchanged) and run it in a container through the Docker engine'}),
    network: Flags.string({description: 'container network (default: the engine\'s; host on an engine without a bridge)', dependsOn: ['container']}),
  });

  async run() {
    const {flags} = await this.parse(Run);
    const dir = resolve(flags.path);
    const config = await loadFunction(dir);
    const env = parseKeyValues(flags.env ?? [], 'env');
    const running = flags.container
      ? await this.runContainer(dir, config, flags.port, env, flags.network)
      : await (await hostRunner()).run({dir, config, port: flags.port, env}, this.progress);
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify({name: config.name, url: running.url, pid: running.pid}) + '\n');
    else this.log(`${config.name} is running at ${running.url} (Ctrl-C to stop)`);

    const interrupt = interruptible({onFirst: () => void running.stop('SIGTERM')});
    const code = await running.exited.finally(() => interrupt.dispose());
    if (code !== 0 && code !== null && code !== 143 && code !== 130) {
      throw new FnError('RUN_FAILED', 'unexpected', `${config.name} exited with code ${code}`, {suggestion: 'see its output above'});
    }
  }

  private async runContainer(dir: string, config: FunctionConfig, port: number, env: Record<string, string>, network?: string) {
    const {buildAndPush} = await import('../core/build.js');
    const built = await buildAndPush(dir, config, {network}, await buildAdapters(), this.progress);
    return (await containerRunner()).run({dir, config, port, env, image: built.imageId, network}, this.progress);
  }
}
