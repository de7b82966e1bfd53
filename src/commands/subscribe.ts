import {Flags} from '@oclif/core';
import {resolve} from 'node:path';
import {editFunctionFile} from '../core/fn-yaml-edit.js';
import {validateBrokerName} from '../core/event-checks.js';
import {BACKOFF_POLICIES} from '../core/function-schema.js';
import {addSubscription} from '../core/subscription-edit.js';
import {FnCommand} from '../ui/base-command.js';
import {pathFlag, withEnv} from '../ui/flags.js';

/** The filter flags fn subscribe and fn unsubscribe share. */
export const filterFlags = {
  filter: Flags.string({description: 'ATTRIBUTE=VALUE: the event\'s attribute must equal VALUE (repeatable, one per attribute)', multiple: true}),
  prefix: Flags.string({description: 'ATTRIBUTE=VALUE: the attribute must begin with VALUE (repeatable)', multiple: true}),
  suffix: Flags.string({description: 'ATTRIBUTE=VALUE: the attribute must end with VALUE (repeatable)', multiple: true}),
};

/** The deploy that applies an edit of fn.yaml in `path`. */
export function deployCommand(path: string): string {
  return path === '.' ? 'fn deploy' : `fn deploy --path ${path}`;
}

export default class Subscribe extends FnCommand {
  static summary = 'Subscribe the function to events from a broker: adds a subscription to fn.yaml.';
  static description = `Edits fn.yaml only (comments, key order and layout kept); fn deploy then creates the Trigger. --retry, --backoff-policy, --backoff-delay and --dead-letter-sink write the subscription's delivery (the Trigger's spec.delivery): what the broker does with an event the function did not take. With only --filter the filters are exact matches (a map, Trigger spec.filter); any --prefix or --suffix writes the list form (Trigger spec.filters), one entry per flag. Every filter must match. The Trigger is named <function>-<name> with --name, else <function>-<broker> (-2, -3… for more on one broker).
The new fn.yaml passes every check fn deploy makes before it is written, atomically: a refused or failed edit leaves the file as it was. A subscription to the same broker with the same filters (and delivery) already in fn.yaml is not added twice: exit 0, "added": false; with another delivery it is refused (exit 2).
--json: {added, index, trigger, broker, filters, subscription, file, written}.
Exit codes: 2 a bad flag value (no "=", an empty attribute or value, an attribute that is not lower-case letters and digits, --filter twice on one attribute, a bad broker or name, a Trigger name already taken, a bad delivery value) or fn.yaml value, 8 no fn.yaml.`;
  static examples = [
    '<%= config.bin %> subscribe --broker default --filter type=com.example.order --filter source=/orders',
    '<%= config.bin %> subscribe --broker default --prefix type=com.example. --filter source=/orders --name orders',
    '<%= config.bin %> subscribe --broker default --filter type=com.example.order --retry 3 --backoff-delay 1s --dead-letter-sink dead-letters',
  ];

  static flags = withEnv({
    broker: Flags.string({description: 'the broker to receive events from', required: true, parse: async (value) => validateBrokerName(value, '--broker')}),
    ...filterFlags,
    name: Flags.string({description: 'name of the subscription: its Trigger is <function>-<name> (default: from the broker)'}),
    retry: Flags.integer({description: 'delivery: how many times the broker retries an event the function did not take (after the first attempt)', min: 0}),
    'backoff-policy': Flags.option({description: 'delivery: how the delay between retries grows', options: BACKOFF_POLICIES})(),
    'backoff-delay': Flags.string({description: 'delivery: the delay before the first retry (500ms, 2s, or ISO 8601 such as PT0.5S)'}),
    'dead-letter-sink': Flags.string({description: 'delivery: where an event goes once every attempt failed: a function (Knative Service) name or ksvc:NAME, broker:NAME, or an http(s) URL'}),
    path: pathFlag,
  });

  async run() {
    const {flags} = await this.parse(Subscribe);
    const result = await editFunctionFile(resolve(flags.path), 'subscriptions', (edit) => addSubscription(edit, flags));
    if (!this.jsonEnabled()) {
      const what = `broker ${result.broker}, ${result.filters} (subscriptions[${result.index}], Trigger ${result.trigger})`;
      if (!result.added) {
        this.log(`Already subscribed: ${what}; ${result.file} is unchanged`);
      } else {
        this.log(`Subscribed in ${result.file}: ${what}`);
        this.log(`Next: ${deployCommand(flags.path)} creates the Trigger`);
      }
    }
    return result;
  }
}
