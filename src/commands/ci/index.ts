import {loadHelpClass} from '@oclif/core';
import {FnCommand} from '../../ui/base-command.js';

export default class Ci extends FnCommand {
  static summary = 'Write a CI pipeline that previews pull/merge requests and deploys the branch with fn (GitHub Actions, GitLab CI).';
  static description = 'Run `fn ci github` or `fn ci gitlab`; this lists them (--json: their names and summaries).';
  static examples = ['<%= config.bin %> ci github --registry ghcr.io/acme --action acme/fn@v1', '<%= config.bin %> ci gitlab --registry registry.gitlab.com/acme --dry-run'];

  async run(): Promise<{commands: Array<{command: string; summary?: string}>}> {
    await this.parse(Ci);
    const commands = this.config.commands.filter((c) => c.id.startsWith('ci:')).map((c) => ({command: `fn ${c.id.replace(/:/g, ' ')}`, summary: c.summary}));
    if (!this.jsonEnabled()) {
      const Help = await loadHelpClass(this.config);
      await new Help(this.config).showHelp(['ci']);
    }
    return {commands};
  }
}
