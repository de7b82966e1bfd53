import {Flags} from '@oclif/core';
import {resolve} from 'node:path';
import {deploy, type DeployResult} from '../core/deploy.js';
import {deployEventPlan} from '../core/event-sync.js';
import {loadFunction, type RoutingMode} from '../core/function.js';
import {assertDigestReference, buildManifests, routingOf} from '../core/manifests.js';
import {validateTag} from '../core/names.js';
import {describeTraffic} from '../core/traffic.js';
import {eventing, knative, podDiagnosis} from '../factory.js';
import {FnCommand} from '../ui/base-command.js';
import {clusterFlags, waitSeconds, routingFlag, waitFlags} from '../ui/cluster-flags.js';
import {builderFlag, pathFlag, withEnv} from '../ui/flags.js';
import {readinessText} from '../ui/events-view.js';
import {writeGithubOutputs} from '../ui/github-outputs.js';
import {pushedImage} from '../ui/build-image.js';
import {interruptible} from '../ui/interrupt.js';
import {paintFor, paintState} from '../ui/terminal.js';

export default class Deploy extends FnCommand {
  static liveProgress = true;
  static summary = 'Deploy the function to Knative and wait until it is Ready.';
  static description = `Builds and pushes the image (skipped when nothing changed; --image deploys a pushed image instead), then applies the Knative Service (or, with routing "route", a Configuration and a Route) with server-side apply as field manager "fn". Deploying unchanged inputs again creates no new revision.
Traffic: when all of it follows the latest revision, the new revision takes 100% (tags stay, at 0%). When it is split or pinned (a canary, fn traffic, fn rollback), deploy keeps the split and the new revision takes 0%, and says so; --all-traffic sends it 100% anyway. During a fn rollout a deploy is refused (exit 3) with the rollout's state. --no-traffic always keeps the current split and, where another tool owns spec.traffic, leaves it theirs; --tag gives the new revision its own URL. Revision names hash the template the revision gets, template fields another tool set included.
Subscriptions and schedules (fn.yaml): Triggers and PingSources owned by the function are created, updated, and deleted when no longer listed; a subscription to a broker that does not exist fails before anything is built or applied (with --no-wait: a warning). They are waited for until Ready after the function.
Waits by watching the Service, and watches the new revision's pods: an image that cannot be pulled, a container that exits (code and last log lines), a readiness probe that keeps failing (wrong port) or pods that cannot be created fail the deploy within seconds with exit 11, the reason and one next step.
Progress: on a terminal, one live line per phase (build, push, apply, waiting for the revision, routing) with a spinner and the elapsed time; in a log (not a terminal, CI, --verbose), one line per step and per change of the Ready condition (or a failing one).
Exit codes: 2 bad flag or fn.yaml value, 3 fields owned by another manager (see --force), 4-6 build/push, 7 cluster unreachable, 8 namespace or broker not found, 9 RBAC denied, 10 rejected by Knative's webhook, 11 revision failed, 12 not ready within --timeout (the function, or its Triggers and PingSources).`;
  static examples = [
    '<%= config.bin %> deploy',
    '<%= config.bin %> deploy --tag v2 --no-traffic',
    '<%= config.bin %> deploy --image 127.0.0.1:5000/fn/hello@sha256:<digest> -n staging --timeout 2m',
  ];

  static flags = withEnv({
    path: pathFlag,
    image: Flags.string({char: 'i', description: 'deploy this pushed image, pinned by digest (REGISTRY/NAME@sha256:…), instead of building'}),
    registry: Flags.string({char: 'r', description: 'registry to push the build to (default: fn.yaml registry, else FN_REGISTRY)', exclusive: ['image']}),
    tag: Flags.string({char: 't', description: 'tag the new revision (its own URL: TAG-NAME.NAMESPACE.DOMAIN)'}),
    'no-traffic': Flags.boolean({description: 'keep the current traffic split: the new revision takes 0% until `fn traffic` moves some'}),
    'all-traffic': Flags.boolean({description: 'send all traffic to the new revision even when the live split is not "@latest 100%" (a canary, a pinned revision), which deploy otherwise keeps', exclusive: ['no-traffic']}),
    ...clusterFlags,
    routing: routingFlag,
    ...waitFlags,
    force: Flags.boolean({char: 'f', description: 'take over fields another field manager (kubectl, kn, …) set last'}),
    builder: {...builderFlag, exclusive: ['image']},
  });

  async run(): Promise<DeployResult> {
    const {flags} = await this.parse(Deploy);
    const dir = resolve(flags.path);
    const config = await loadFunction(dir);
    // Everything that can be checked without a cluster or a build, first.
    const routing = routingOf(config, flags.routing as RoutingMode | undefined);
    if (flags.tag) validateTag(flags.tag, '--tag');
    const timeoutSeconds = waitSeconds(flags.timeout);
    if (flags.image) assertDigestReference(flags.image);
    buildManifests(config, {image: `validate.invalid/x@sha256:${'0'.repeat(64)}`, routing});
    const {knative: functions, defaultNamespace} = await knative({context: flags.context});
    const namespace = flags.namespace ?? config.namespace ?? defaultNamespace;

    // Subscriptions and schedules: brokers checked and the cluster's dry run, before building anything.
    const events = await eventing({context: flags.context});
    const eventPlan = await deployEventPlan(events, config, {namespace, routing, missingBrokerIsError: !flags['no-wait']}, this.progress);
    const image = flags.image ?? (await pushedImage(dir, config, flags.registry, this.progress, flags.builder));
    const diagnose = await podDiagnosis({context: flags.context}, (m) => this.progress.detail(m));
    const interrupt = interruptible();
    let result: DeployResult;
    try {
      result = await deploy(
        functions,
        {config, image, namespace, routing, tag: flags.tag, noTraffic: flags['no-traffic'], allTraffic: flags['all-traffic'], force: flags.force, wait: !flags['no-wait'], timeoutSeconds, signal: interrupt.signal, diagnose, ...(eventPlan ? {events: {eventing: events, plan: eventPlan}} : {})},
        this.progress,
      );
    } finally {
      interrupt.dispose();
    }
    writeGithubOutputs({...result, service: result.service}, 'deploy');
    if (!this.jsonEnabled()) {
      const state = paintState(paintFor('stdout'), result.ready ? 'ready' : 'applied (not waiting)');
      this.log(`${result.routing === 'service' ? 'Service' : 'Configuration and Route'} ${result.service} in ${result.namespace}: revision ${result.revision ?? '?'} ${result.newRevision ? '' : '(no new revision) '}${state}`);
      if (result.url) this.log(`URL:     ${result.url}`);
      for (const t of result.tags) this.log(`Tag ${t.tag}: ${t.url ?? '(URL once routed)'}${t.revision ? `  → ${t.revision}` : ''}`);
      this.log(`Traffic: ${describeTraffic(result.traffic)}`);
      for (const t of result.subscriptions ?? []) this.log(`Trigger ${t.name}: broker ${t.broker}, ${t.filters}${t.delivery ? `, ${t.delivery}` : ''} (${readinessText(t)})`);
      for (const p of result.schedules ?? []) this.log(`Schedule ${p.name}: ${p.cron}${p.timezone ? ` ${p.timezone}` : ''} (${readinessText(p)})`);
    }
    return result;
  }
}
