// The rollout's view of the cluster, built on the Deployer port that fn deploy uses (so rollout writes
// exactly what deploy would, with the same field manager and the same guarded traffic writes).
import {FnError} from '../errors.js';
import type {FunctionConfig} from '../function.js';
import {buildManifests, withTraffic, type FunctionManifests} from '../manifests.js';
import type {Deployer, DeployedFunction, FunctionRef} from '../ports.js';
import type {ImageDeploy, RevisionSnapshot, RolloutCluster, ServiceSnapshot, ServiceWrite} from './ports.js';
import {rolloutAnnotation} from './state.js';
import type {RevisionDiagnosis, RevisionFailure} from '../pod-failure.js';

function withAnnotation(manifests: FunctionManifests, key: string, value: string): FunctionManifests {
  const annotate = <T extends {metadata: {annotations?: Record<string, string>}}>(o: T): T => ({...o, metadata: {...o.metadata, annotations: {...o.metadata.annotations, [key]: value}}});
  return manifests.routing === 'service' ? {...manifests, service: annotate(manifests.service)} : {...manifests, route: annotate(manifests.route)};
}

export class DeployerCluster implements RolloutCluster {
  /** The last object seen per resourceVersion: a guarded write needs the object it was read as. */
  private readonly seen = new Map<string, DeployedFunction>();

  constructor(
    private readonly deployer: Deployer,
    readonly namespace: string,
    /** fn.yaml, needed only to deploy a new image (the template is built as fn deploy builds it). */
    private readonly config?: FunctionConfig,
    /** Looks at a revision's pods while it is not ready, so one that cannot start fails in seconds. */
    private readonly diagnose?: RevisionDiagnosis,
  ) {}

  /** Revisions whose pods are being watched, and what was found. */
  private readonly diagnoses = new Map<string, {stop: AbortController; failure?: RevisionFailure}>();

  /** Stops every pod watch (the rollout ended). */
  close(): void {
    for (const d of this.diagnoses.values()) d.stop.abort();
    this.diagnoses.clear();
  }

  async getService(name: string): Promise<ServiceSnapshot> {
    const fn = await this.deployer.get(this.ref(name));
    if (!fn) {
      throw new FnError('FUNCTION_NOT_FOUND', 'notFound', `no function ${name} in namespace ${this.namespace}`, {
        suggestion: 'deploy it first with fn deploy, or pass the right name and --namespace',
      });
    }
    return this.snapshot(fn);
  }

  async writeService(name: string, change: ServiceWrite): Promise<ServiceSnapshot> {
    const written = await this.deployer.setTraffic(this.object(name, change.resourceVersion), change.traffic, {annotations: change.annotations});
    return this.snapshot(written);
  }

  async deployImage(name: string, deploy: ImageDeploy): Promise<ServiceSnapshot> {
    if (!this.config) {
      throw new FnError('ROLLOUT_NEEDS_FUNCTION', 'usage', `--image needs the function's fn.yaml to build the new revision's template`, {
        suggestion: 'run fn rollout in the function folder (or pass --path), or deploy with fn deploy --tag canary --no-traffic and roll out with --revision',
      });
    }
    const current = this.object(name, deploy.resourceVersion);
    const manifests = withTraffic(buildManifests(this.config, {image: deploy.image, namespace: this.namespace, routing: current.routing}), deploy.traffic);
    // The apply has the same field manager as the claim that wrote the rollout state: without the
    // annotation in it, server-side apply would remove it.
    const state = current.annotations[rolloutAnnotation];
    const applied = await this.deployer.apply(state === undefined ? manifests : withAnnotation(manifests, rolloutAnnotation, state), {resourceVersion: deploy.resourceVersion});
    return this.snapshot(applied);
  }

  /** The revision name fn's template gives this image (undefined when the server names it). */
  revisionNameFor(image: string): string | undefined {
    return this.config ? buildManifests(this.config, {image, namespace: this.namespace}).revisionName : undefined;
  }

  async getRevision(name: string): Promise<RevisionSnapshot | undefined> {
    const revision = await this.deployer.revision(this.namespace, name);
    if (!revision) return undefined;
    // Knative's own verdict comes first; only while it says nothing yet are the pods worth a look.
    if (revision.ready !== 'Unknown' || !this.diagnose) {
      this.diagnoses.get(name)?.stop.abort();
      this.diagnoses.delete(name);
      return {name: revision.name, ready: revision.ready, ...(revision.reason ? {reason: revision.reason} : {}), ...(revision.message ? {message: revision.message} : {})};
    }
    let diagnosis = this.diagnoses.get(name);
    if (!diagnosis) {
      const entry: {stop: AbortController; failure?: RevisionFailure} = {stop: new AbortController()};
      this.diagnoses.set(name, entry);
      void this.diagnose(this.namespace, name, entry.stop.signal).then((failure) => (entry.failure = failure));
      diagnosis = entry;
    }
    const failure = diagnosis.failure;
    if (!failure) return {name: revision.name, ready: revision.ready, ...(revision.reason ? {reason: revision.reason} : {}), ...(revision.message ? {message: revision.message} : {})};
    const tail = failure.logTail?.length ? `\nlast log lines:\n${failure.logTail.map((l) => `  | ${l}`).join('\n')}` : '';
    return {name: revision.name, ready: 'False', reason: failure.reason, message: `${failure.message}${tail}`};
  }

  private ref(name: string): FunctionRef {
    const known = [...this.seen.values()].find((fn) => fn.name === name);
    return {name, namespace: this.namespace, ...(known ? {routing: known.routing} : {})};
  }

  private object(name: string, resourceVersion: string): DeployedFunction {
    const known = this.seen.get(resourceVersion);
    if (known) return known;
    const any = [...this.seen.values()].reverse().find((fn) => fn.name === name);
    if (!any) throw new Error(`internal: ${name} was written before it was read`);
    return {...any, resourceVersion};
  }

  private snapshot(fn: DeployedFunction): ServiceSnapshot {
    this.seen.set(fn.resourceVersion, fn);
    if (this.seen.size > 16) this.seen.delete(this.seen.keys().next().value!);
    return {
      name: fn.name,
      namespace: fn.namespace,
      resourceVersion: fn.resourceVersion,
      observed: fn.observed,
      annotations: {...fn.annotations},
      traffic: fn.traffic.map(({revisionName, latestRevision, percent, tag}) => ({
        ...(revisionName ? {revisionName} : {}),
        ...(latestRevision ? {latestRevision} : {}),
        percent: percent ?? 0,
        ...(tag ? {tag} : {}),
      })),
      image: fn.template?.spec.containers[0]?.image,
      latestCreatedRevisionName: fn.latestCreatedRevisionName,
      latestReadyRevisionName: fn.latestReadyRevisionName,
      url: fn.url,
      statusTraffic: fn.statusTraffic,
      conditions: fn.conditions,
    };
  }
}
