// The oclif command_not_found hook. An unknown command is a usage error like an unknown flag: exit 2, the nearest command as the next
// step, and a JSON error under --json (@oclif/plugin-not-found exited 127 in CI and asked on a terminal).
import type {Hook} from '@oclif/core';
import {closest, distance} from 'fastest-levenshtein';
import {FnError} from '../core/errors.js';
import {reportError} from './base-command.js';

const hook: Hook<'command_not_found'> = async function ({id, argv, config}) {
  const typed = id.replaceAll(':', ' ');
  const commands = config.commandIDs.filter((c) => !config.findCommand(c)?.hidden).map((c) => c.replaceAll(':', ' '));
  const candidate = commands.length ? closest(typed, commands) : undefined;
  // Only a near miss is a suggestion: "deplyo" → deploy, but "xyzzy" → nothing.
  const nearest = candidate && distance(typed, candidate) <= Math.max(2, Math.floor(typed.length / 3)) ? candidate : undefined;
  const error = new FnError('UNKNOWN_COMMAND', 'usage', `fn has no command "${typed}"`, {
    suggestion: nearest ? `fn ${nearest} (fn --help lists every command)` : 'fn --help lists every command',
    details: {command: typed, ...(nearest ? {nearest} : {})},
  });
  reportError(error, {json: (argv ?? []).includes('--json'), verbose: false});
  this.exit(error.exitCode);
};

export default hook;
