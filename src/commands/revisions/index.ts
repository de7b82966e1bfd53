import {Args, Flags} from '@oclif/core';
import {stringify} from 'yaml';
import {readTrafficState} from '../../core/traffic-change.js';
import {revisionRows, type RevisionRow} from '../../core/revisions.js';
import {FnCommand} from '../../ui/base-command.js';
import {age, clusterFlags, connectToFunction} from '../../ui/cluster-flags.js';
import {pathFlag, withEnv} from '../../ui/flags.js';
import {screenTable} from '../../ui/table.js';

export default class Revisions extends FnCommand {
  static summary = 'List a function\'s revisions, newest first, with their tags and traffic.';
  static description = `One read of the function and one (paginated) list of its Revisions, so hundreds list quickly. TRAFFIC is what Knative routes now; READY and REASON are the Revision's own condition.
Exit codes: 7 cluster unreachable, 8 function not found, 9 RBAC denied.`;
  static examples = ['<%= config.bin %> revisions', '<%= config.bin %> revisions hello -n staging -o yaml', '<%= config.bin %> revisions --json'];

  static args = {name: Args.string({description: 'function name (default: fn.yaml\'s)'})};

  static flags = withEnv({
    output: Flags.string({char: 'o', description: 'output format; wide: the table with every cell whole (else long images and reasons are elided to fit COLUMNS or the terminal)', options: ['table', 'wide', 'yaml', 'json'], default: 'table'}),
    path: pathFlag,
    ...clusterFlags,
  });

  async run(): Promise<RevisionRow[]> {
    const {args, flags} = await this.parse(Revisions);
    const {knative, ref} = await connectToFunction(flags, args.name);
    // A listing for people: the watch cache's answer is good enough, and much faster for hundreds.
    const {fn, state} = await readTrafficState(knative, ref, {cached: true});
    const rows = revisionRows(fn, state.revisions);
    if (this.jsonEnabled()) return rows;
    if (flags.output === 'json') this.log(JSON.stringify(rows, null, 2));
    else if (flags.output === 'yaml') this.log(stringify(rows, {lineWidth: 0}).trimEnd());
    else if (rows.length === 0) this.log(`${ref.name} has no revisions yet`);
    else {
      const now = Date.now();
      const view = rows.map((r) => ({
        name: r.name + (r.latestCreated ? ' *' : ''),
        tags: r.tags.join(','),
        traffic: r.traffic ? `${r.traffic}%` : '',
        ready: r.ready,
        reason: r.reason ?? '',
        age: age(r.createdAt, now),
        image: r.image ?? '',
      }));
      this.log(screenTable(view, ['name', 'tags', 'traffic', 'ready', 'reason', 'age', 'image'], {shrink: {image: 'middle', reason: 'end'}, wide: flags.output === 'wide'}));
    }
    return rows;
  }
}
