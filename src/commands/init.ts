import {Args, Flags} from '@oclif/core';
import {basename, resolve} from 'node:path';
import {FnError} from '../core/errors.js';
import {RUNTIMES, TEMPLATES} from '../core/function-schema.js';
import type {FunctionConfig} from '../core/function.js';
import {validateFunctionName} from '../core/names.js';
import {scaffolder} from '../factory.js';
import {FnCommand} from '../ui/base-command.js';
import {withEnv} from '../ui/flags.js';

export default class Init extends FnCommand {
  static summary = 'Create a function project from a language template.';
  static description = 'Writes the template\'s files and an fn.yaml into PATH (default: the current folder). Existing files are never overwritten without --force.';
  static examples = [
    '<%= config.bin %> init hello --runtime node',
    '<%= config.bin %> init events --runtime python --template cloudevents',
    '<%= config.bin %> init svc --runtime go --repository https://github.com/acme/fn-templates.git',
  ];

  static args = {path: Args.string({description: 'folder to create the function in', default: '.'})};

  static flags = withEnv({
    runtime: Flags.string({char: 'l', description: 'language runtime', options: [...RUNTIMES]}),
    template: Flags.string({char: 't', description: 'invocation template', options: [...TEMPLATES]}),
    name: Flags.string({char: 'n', description: 'function name (DNS label; default: the folder name)'}),
    repository: Flags.string({char: 'r', description: 'templates from a local folder or git URL (holding <runtime>/<template>/)'}),
    force: Flags.boolean({char: 'f', description: 'overwrite existing files'}),
  });

  async run() {
    const {args, flags} = await this.parse(Init);
    const dir = resolve(args.path);
    const runtime = (flags.runtime ?? (await this.ask('runtime', RUNTIMES))) as FunctionConfig['runtime'];
    const template = (flags.template ?? (this.interactive && !flags.runtime ? await this.ask('template', TEMPLATES) : 'http')) as NonNullable<FunctionConfig['template']>;
    // The name defaults to the folder's; an invalid one is refused with a fix, never silently changed.
    const name = validateFunctionName(flags.name ?? basename(dir), flags.name ? 'name' : `folder name (${dir})`);

    const result = await (await scaffolder()).scaffold({dir, name, runtime, template, repository: flags.repository, force: flags.force});
    if (!this.jsonEnabled()) {
      this.log(`Created ${runtime} ${template} function "${name}" in ${dir}`);
      this.log(`Next: cd ${args.path} && fn run   (then fn invoke in another shell)`);
    }
    return {name, runtime, template, dir, files: result.files};
  }

  private async ask(flag: 'runtime' | 'template', choices: readonly string[]): Promise<string> {
    if (!this.interactive) {
      throw new FnError('MISSING_FLAG', 'usage', `--${flag} is required when not running interactively`, {
        suggestion: `pass --${flag} ${choices.join('|')}`,
      });
    }
    const {select} = await import('@inquirer/prompts');
    return select({message: `${flag[0].toUpperCase()}${flag.slice(1)}`, choices: choices.map((value) => ({value}))});
  }
}
