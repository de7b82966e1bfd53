import {listTemplates} from '../core/templates.js';
import {templatesDir} from '../paths.js';
import {FnCommand} from '../ui/base-command.js';
import {table} from '../ui/table.js';

export default class Templates extends FnCommand {
  static summary = 'List the runtimes and templates `fn init` can create.';
  static examples = ['<%= config.bin %> templates', '<%= config.bin %> templates --json'];

  async run() {
    await this.parse(Templates);
    const templates = (await listTemplates(templatesDir)).map(({runtime, template, description}) => ({runtime, template, description}));
    if (!this.jsonEnabled()) this.log(table(templates, ['runtime', 'template', 'description']));
    return templates;
  }
}
