import {Flags} from '@oclif/core';
import {resolve} from 'node:path';
import {editFunctionFile} from '../core/fn-yaml-edit.js';
import {removeSubscriptions} from '../core/subscription-edit.js';
import {FnCommand} from '../ui/base-command.js';
import {pathFlag, withEnv} from '../ui/flags.js';
import {deployCommand, filterFlags} from './subscribe.js';

export default class Unsubscribe extends FnCommand {
  static summary = 'Remove a subscription from fn.yaml.';
  static description = `Edits fn.yaml only (the other entries' comments and layout kept); fn deploy then deletes the Trigger. --name picks the subscription whose Trigger is <function>-<name> (or is named NAME in full, as fn deploy prints it); --broker picks those on that broker, and with --filter/--prefix/--suffix only the one with exactly those filters (in any order). Exactly one must match; with several, they are listed and --all removes them all. Removing one can move the default Trigger name of a later one on the same broker (<function>-<broker>-2 becomes <function>-<broker>): fn says so.
--json: {removed: [{index, trigger, broker, filters, subscription}], renamed: [{from, to}], file, written}.
Exit codes: 2 a bad flag value, neither --broker nor --name, or several match (without --all), 8 no fn.yaml, or nothing in it matches.`;
  static examples = [
    '<%= config.bin %> unsubscribe --broker default --filter type=com.example.order',
    '<%= config.bin %> unsubscribe --name orders',
    '<%= config.bin %> unsubscribe --broker old --all',
  ];

  static flags = withEnv({
    broker: Flags.string({description: 'the broker of the subscription'}),
    ...filterFlags,
    name: Flags.string({description: 'the subscription\'s name, or its Trigger\'s'}),
    all: Flags.boolean({description: 'remove every subscription that matches'}),
    path: pathFlag,
  });

  async run() {
    const {flags} = await this.parse(Unsubscribe);
    const result = await editFunctionFile(resolve(flags.path), 'subscriptions', (edit) => removeSubscriptions(edit, flags));
    if (!this.jsonEnabled()) {
      for (const e of result.removed) this.log(`Removed from ${result.file}: broker ${e.broker}, ${e.filters} (was subscriptions[${e.index}], Trigger ${e.trigger})`);
      for (const r of result.renamed) this.log(`Trigger ${r.from} becomes ${r.to}`);
      this.log(`Next: ${deployCommand(flags.path)} deletes the Trigger${result.removed.length === 1 ? '' : 's'}`);
    }
    return result;
  }
}
