import {Args, Flags} from '@oclif/core';
import {prunePlan} from '../../core/revisions.js';
import {readTrafficState} from '../../core/traffic-change.js';
import {FnCommand} from '../../ui/base-command.js';
import {clusterFlags, connectToFunction} from '../../ui/cluster-flags.js';
import {pathFlag, countFlag, withEnv} from '../../ui/flags.js';

/** Deletes run a few at a time: quick for hundreds, gentle on the API server. */
const PARALLEL_DELETES = 8;

export default class RevisionsPrune extends FnCommand {
  static summary = 'Delete revisions nothing routes to.';
  static description = `Never deletes a revision that takes traffic, has a tag, or is the latest created or latest ready one. --keep N keeps the N newest of the others (to roll back to). Asks first on a terminal; elsewhere needs --yes.
Exit codes: 2 --yes missing when not interactive, 7 cluster unreachable, 8 function not found, 9 RBAC denied.`;
  static examples = ['<%= config.bin %> revisions prune --keep 3', '<%= config.bin %> revisions prune hello --dry-run', '<%= config.bin %> revisions prune --yes'];

  static args = {name: Args.string({description: 'function name (default: fn.yaml\'s)'})};

  static flags = withEnv({
    keep: countFlag({description: 'keep this many of the newest unrouted revisions', default: 0, min: 0, max: 100_000}),
    'dry-run': Flags.boolean({description: 'list what would be deleted, delete nothing'}),
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation'}),
    path: pathFlag,
    ...clusterFlags,
  });

  async run(): Promise<{service: string; namespace: string; deleted: string[]; kept: string[]; dryRun: boolean}> {
    const {args, flags} = await this.parse(RevisionsPrune);
    const {knative, ref} = await connectToFunction(flags, args.name);
    const {fn, state} = await readTrafficState(knative, ref);
    const plan = prunePlan(fn, state.revisions, flags.keep);
    const names = plan.delete.map((r) => r.name);
    const out = {service: ref.name, namespace: ref.namespace, deleted: [] as string[], kept: plan.keep.map((r) => r.name), dryRun: Boolean(flags['dry-run'])};
    if (names.length === 0) {
      if (!this.jsonEnabled()) this.log(`Nothing to prune: every revision of ${ref.name} is routed, tagged, latest, or kept`);
      return out;
    }
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) this.log(`Would delete ${names.length} revision(s): ${names.join(', ')}`);
      return {...out, deleted: names};
    }
    const question = {
      yes: flags.yes,
      action: `pruning ${names.length} revision(s) of ${ref.name}`,
      question: `Delete ${names.length} revision(s) of ${ref.name} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})?`,
      suggestion: 'pass --yes (see them first with --dry-run)',
    };
    if (!(await this.confirmed(question))) {
      this.log('Nothing deleted');
      return out;
    }
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        await knative.deleteRevision(ref.namespace, name);
        out.deleted.push(name);
      }
    };
    await Promise.all(Array.from({length: Math.min(PARALLEL_DELETES, names.length)}, worker));
    if (!this.jsonEnabled()) this.log(`Deleted ${out.deleted.length} revision(s) of ${ref.name}${out.kept.length ? `; kept ${out.kept.join(', ')}` : ''}`);
    return out;
  }
}
