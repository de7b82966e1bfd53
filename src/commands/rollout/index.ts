import {Flags} from '@oclif/core';
import {randomUUID} from 'node:crypto';
import {FnError} from '../../core/errors.js';
import {startRollout} from '../../core/rollout/engine.js';
import type {RolloutSettings} from '../../core/rollout/state.js';
import {validateTag} from '../../core/names.js';
import {healthGates} from '../../factory.js';
import {pushedImage} from '../../ui/build-image.js';
import {optionalFunction} from '../../ui/cluster-flags.js';
import {resolve} from 'node:path';
import {countFlag, durationFlag, percentageFlag, stepsFlag, withEnv} from '../../ui/flags.js';
import {ownerAlive} from '../../ui/rollout-health.js';
import {writeGithubOutputs} from '../../ui/github-outputs.js';
import {ingressFlag, paragraphs, RolloutCommand, rolloutArgs, rolloutExitCodes, rolloutSummary, rolloutTargetFlags} from '../../ui/rollout-command.js';

export default class Rollout extends RolloutCommand {
  static summary = 'Progressive canary: move traffic to a new revision step by step, behind health gates, rolling back on failure.';
  static description = paragraphs(
    'Builds and pushes the function in --path when its source changed (as fn deploy does; --image: a pushed image instead) and',
    'deploys the new revision at 0% under a tag, or takes an existing one (--revision), then for each step checks',
    'that the revision is Ready and that the health gate passes, and moves the canary to the step\'s percent; the other',
    'revisions keep their split, scaled. The gate is --requests GETs to the canary\'s tag URL + --check (or to --check-url),',
    'judged by --max-error-rate and --max-p95, or a --check-cmd whose exit code decides (it gets FN_ROLLOUT_URL,',
    'FN_ROLLOUT_REVISION, FN_ROLLOUT_STEP, FN_ROLLOUT_PERCENT). On a failed gate, a failed revision, Ctrl-C or --timeout',
    'the exact prior split is written back and fn exits 13 with what failed.',
    '',
    'The state lives on the Service (annotation fn.dev/rollout), so `fn rollout status|abort|promote|resume` work from any',
    'shell or CI job; rerunning the same rollout resumes it. Every write of traffic and state is guarded by resourceVersion.',
    '',
    rolloutExitCodes,
  );
  static examples = [
    '<%= config.bin %> rollout',
    '<%= config.bin %> rollout --image registry.example.com/hello@sha256:…',
    '<%= config.bin %> rollout --image $IMAGE --steps 10,50,100 --interval 1m --check /health --max-error-rate 0.5% --max-p95 300ms',
    '<%= config.bin %> rollout hello --revision hello-00042 --check-cmd ./smoke-test.sh --json',
  ];
  static args = rolloutArgs;
  static flags = withEnv({
    ...rolloutTargetFlags,
    image: Flags.string({description: 'new image (registry/name@sha256:…) to deploy as the canary (default: build and push the function in --path, as fn deploy does)', exclusive: ['revision', 'registry']}),
    registry: Flags.string({char: 'r', description: 'registry to push the build to (default: fn.yaml registry, else FN_REGISTRY)', exclusive: ['image', 'revision']}),
    revision: Flags.string({description: 'roll out this existing revision (default without a function folder: the latest revision, when it takes no traffic)', exclusive: ['image']}),
    steps: stepsFlag({description: 'canary percentages, increasing, ending at 100', default: [5, 25, 50, 100]}),
    interval: durationFlag({description: 'time at each step before the next gate (ms, s, m, h)', default: 30_000, allowZero: true}),
    check: Flags.string({description: 'path the health check GETs on the canary', default: '/'}),
    'check-url': Flags.string({description: 'GET this URL (+ --check) instead of the canary\'s tag URL: an external check, or a test server', exclusive: ['check-cmd']}),
    'check-cmd': Flags.string({description: 'run this shell command as the gate; exit 0 passes', exclusive: ['check-url']}),
    requests: countFlag({description: 'health-check requests per gate', default: 20, min: 1, max: 10_000}),
    'max-error-rate': percentageFlag({description: 'highest accepted share of failed checks (non-2xx/3xx or no answer)', default: 0.01}),
    'max-p95': durationFlag({description: 'highest accepted 95th-percentile latency of the checks', default: 500}),
    tag: Flags.string({description: 'tag that gives the canary its own URL during the rollout', default: 'canary'}),
    'keep-tag': Flags.boolean({description: 'keep the tag on the canary when the rollout ends (done or rolled back)', default: false}),
    timeout: durationFlag({description: 'longest wait for the revision to be Ready and for each traffic move', default: 300_000}),
    ingress: ingressFlag,
  });

  async run() {
    const {args, flags} = await this.parse(Rollout);
    // Everything the user typed is checked (flag values at parse time) before anything touches the cluster.
    const steps = [...flags.steps];
    const tag = validateTag(flags.tag, '--tag');
    const settings: RolloutSettings = {
      intervalMs: flags.interval,
      requests: flags.requests,
      maxErrorRate: flags['max-error-rate'],
      maxP95Ms: flags['max-p95'],
      timeoutMs: flags.timeout,
      keepTag: flags['keep-tag'] ?? false,
      check: flags['check-cmd'] ? {kind: 'command'} : {kind: 'http', path: flags.check, ...(flags['check-url'] ? {url: checkUrl(flags['check-url'])} : {})},
    };
    // From source, as fn deploy does: no --image or --revision, and the folder holds this function.
    const here = !flags.image && !flags.revision ? await optionalFunction(flags.path) : undefined;
    const fromSource = Boolean(here && (!args.name || args.name === here.name));
    const {ref, knative, config} = await this.target(args.name, flags, Boolean(flags.image) || fromSource);
    const image = fromSource ? await pushedImage(resolve(flags.path), config!, flags.registry, this.progress) : flags.image;
    const {name} = ref;
    const [reach, diagnose, healthFor] = await Promise.all([this.reach(ref, flags), this.diagnose(flags), healthGates()]);
    const interrupt = this.interruptible();
    try {
      return await startRollout(
        {
          knative,
          ref,
          config,
          diagnose,
          healthFor: (stored) => healthFor(stored, flags['check-cmd'], reach),
          now: Date.now,
          owner: this.owner,
          ownerAlive,
          emit: this.eventSink(),
          newId: randomUUID,
        },
        {image, revision: flags.revision, tag, steps, settings},
        interrupt.signal,
      ).then((outcome) => {
        writeGithubOutputs({...outcome, revision: outcome.canary}, 'rollout');
        if (!this.jsonEnabled()) this.log(rolloutSummary(outcome, name));
        return outcome;
      });
    } finally {
      interrupt.dispose();
    }
  }
}

function checkUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {}
  throw new FnError('INVALID_URL', 'usage', `--check-url ${JSON.stringify(value)} is not an http(s) URL`, {suggestion: 'pass e.g. --check-url http://127.0.0.1:8080'});
}
