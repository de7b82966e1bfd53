import {Args, Flags} from '@oclif/core';
import {FnError, functionNotFound} from '../core/errors.js';
import {formatLogLine, streamLogs, type LogsResult} from '../core/logs.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, connectToFunction} from '../ui/cluster-flags.js';
import {optionalDurationFlag, pathFlag, optionalCountFlag, withEnv} from '../ui/flags.js';
import {interruptible} from '../ui/interrupt.js';

export default class Logs extends FnCommand {
  static summary = 'Print the deployed function\'s logs, from its pods.';
  static description = `Reads the log of the function container of every pod of the function's ready revisions (--revision or --tag: that one), merged by time. With more than one revision each line starts with [REVISION]. -f follows the logs of the pods as they come and go, until Ctrl-C. --json prints one object a line: {revision, pod, time, line}.
No pods (e.g. scaled to zero) is not an error: fn says so and exits 0.
Exit codes: 2 bad flag, 7 cluster unreachable, 8 no such function, revision or tag, 9 RBAC denied.`;
  static examples = ['<%= config.bin %> logs', '<%= config.bin %> logs hello --since 10m --tail 100', '<%= config.bin %> logs hello --tag canary -f', '<%= config.bin %> logs --revision hello-00002 --json'];

  static args = {name: Args.string({description: 'function name (default: fn.yaml\'s)'})};
  static flags = withEnv({
    path: pathFlag,
    ...clusterFlags,
    revision: Flags.string({char: 'r', description: 'only this revision (a name, or its generation number)', exclusive: ['tag']}),
    tag: Flags.string({char: 't', description: 'only the revision this tag points to', exclusive: ['revision']}),
    since: optionalDurationFlag({description: 'only lines newer than this, e.g. 30s, 10m, 1h'}),
    tail: optionalCountFlag({description: 'only the last N lines of each pod', min: 0, max: 1_000_000}),
    follow: Flags.boolean({char: 'f', description: 'keep printing new lines, across pods as they come and go (Ctrl-C stops)'}),
  });

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs);
    const sinceSeconds = flags.since === undefined ? undefined : Math.max(1, Math.ceil(flags.since / 1000));
    const {knative, ref} = await connectToFunction({path: flags.path, namespace: flags.namespace, context: flags.context}, args.name);
    const {knativePods} = await import('../factory.js');
    const [fn, revisions, pods] = await Promise.all([knative.get(ref), knative.revisions(ref), knativePods({context: flags.context})]);
    if (!fn) throw functionNotFound(ref);

    // Ctrl-C ends a follow and exits 0 (like kubectl logs -f); a second one leaves at once.
    const stop = interruptible();
    if (flags.follow) this.progress.info(`following the logs of ${fn.name} in ${fn.namespace} (Ctrl-C stops)`);
    let result: LogsResult;
    try {
      result = await streamLogs(
        pods,
        {fn, revisions, revision: flags.revision, tag: flags.tag, sinceSeconds, tail: flags.tail, follow: flags.follow, signal: stop.signal},
        (entry, prefix) => {
          process.stdout.write(`${this.jsonEnabled() ? JSON.stringify(entry) : formatLogLine(entry, prefix)}\n`);
        },
      );
    } catch (e) {
      if (stop.signal.aborted && !(e instanceof FnError)) return;
      throw e;
    } finally {
      stop.dispose();
    }
    if (result.pods.length === 0) {
      // Not an error: a function scaled to zero has no pods, and so no logs right now.
      process.stderr.write(`${fn.name} has no pods${flags.revision || flags.tag ? ` for ${flags.revision ?? `tag ${flags.tag}`}` : ' in its ready revisions'} in namespace ${fn.namespace}, so there are no logs to show (Knative may have scaled it to zero; a request starts a pod)\n`);
    }
    // --json: the lines were the output, one object each; nothing more is printed.
  }
}
