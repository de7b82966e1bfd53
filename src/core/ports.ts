// Ports: what the core needs from the outside world. Adapters in src/adapters implement them; the
// core and the commands only ever see these interfaces.
import type {FunctionConfig, RoutingMode} from './function.js';
import type {Condition, ConditionStatus, RevisionTemplate, TrafficTarget} from './knative.js';
import type {FunctionManifests, TemplateFields} from './manifests.js';
import type {BuildContext} from './build-context.js';
import type {Broker, EventObjects} from './eventing.js';

/**
 * Progress and warnings for humans: written to stderr, silenced by --json. On a terminal (src/ui/progress.ts)
 * each `step` is one live line (spinner, elapsed time) that its `status` updates in place and the next
 * step (or the command's end) settles; in a log (not a terminal, CI, --verbose) each call is a line.
 */
export interface Progress {
  /**
   * A phase begins (build, push, apply, waiting for a revision, routing): it ends the one before.
   * `since` (Date.now() ms): when it began, if before it could be named (an apply is named by what it did).
   */
  step(message: string, since?: number): void;
  /** A line that stays: a note, a result worth keeping. */
  info(message: string): void;
  warn(message: string): void;
  /** Verbose detail (build log lines, API calls): shown with --verbose only. */
  detail(message: string): void;
  /**
   * The current phase's latest state (a build step, a condition): on a terminal it replaces the last one
   * on the live line; in a log a line, never twice the same in a row.
   */
  status(message: string): void;
}

// ---- scaffold -------------------------------------------------------------------------------------

export interface ScaffoldRequest {
  dir: string;
  name: string;
  runtime: FunctionConfig['runtime'];
  template: NonNullable<FunctionConfig['template']>;
  /** A local directory or git URL holding <runtime>/<template> folders (like func's --repository). */
  repository?: string;
  force?: boolean;
}
export interface ScaffoldResult {
  dir: string;
  files: string[];
  config: FunctionConfig;
}
export interface Scaffolder {
  scaffold(request: ScaffoldRequest): Promise<ScaffoldResult>;
}

// ---- build and push -------------------------------------------------------------------------------

/** What the engine builds: a prepared context (core/build-context.ts) and the image to tag. */
export interface BuildRequest {
  context: BuildContext;
  /** Full image reference to tag the build with, e.g. 127.0.0.1:5000/team/hello:latest */
  image: string;
  buildArgs: Record<string, string>;
  /** Labels set on the image (used for OCI labels when the project brings its own Dockerfile). */
  labels?: Record<string, string>;
  platform?: string;
  noCache?: boolean;
  /** Network for RUN steps; undefined = the engine's default (host where the engine has no bridge). */
  network?: string;
  /** Images the build pulls (FROM), so their registries' credentials are sent along. */
  pullImages?: string[];
  /**
   * Set for fn's generated build: what the generated Dockerfile builds, for a builder that assembles the
   * same image without running the Dockerfile (the host builder). The Dockerfile is in context.generated.
   */
  generated?: {runtime: string; template: string; baseImage: string};
}
export interface BuildResult {
  image: string;
  /** The engine's image id; the host builder's manifest (or index) digest. */
  imageId: string;
  steps: number;
  cachedSteps: number;
}
export interface Builder {
  build(request: BuildRequest, progress: Progress): Promise<BuildResult>;
  /** Tags an existing image id as `image`; false when the engine no longer has that id. */
  retag(imageId: string, image: string): Promise<boolean>;
}

export interface PushResult {
  /** registry/name@sha256:… — what deploy uses. */
  reference: string;
  digest: string;
  /** Layers uploaded by this push, and layers the registry already had. */
  layersPushed: number;
  layersExisting: number;
}
export interface Pusher {
  push(image: string, progress: Progress): Promise<PushResult>;
}

// ---- run locally ----------------------------------------------------------------------------------

export interface RunRequest {
  dir: string;
  config: FunctionConfig;
  port: number;
  env?: Record<string, string>;
  /** Container runners: the image to run (a tag, id or digest reference). */
  image?: string;
  /** Container runners: the network (default: the engine's, host where it has no bridge). */
  network?: string;
}
export interface RunningFunction {
  url: string;
  pid?: number;
  /** Resolves when the function process exits, with its exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}
export interface Runner {
  run(request: RunRequest, progress: Progress): Promise<RunningFunction>;
}

// ---- Knative: one port for deploy, describe, traffic, rollback and rollout --------------------------
// One adapter (src/adapters/knative) implements it. A function is deployed either as one Knative
// Service (routing "service") or as a Configuration plus a standalone Route of the same name (routing
// "route"); the port hides the difference. Three verbs carry the weight, as in knative/client: read,
// update (read-modify-write with the conflict retry inside the adapter) and watch until a condition.

/** Which cluster: kubeconfig context and namespace (flag > fn.yaml > kubeconfig > "default"). */
export interface ClusterSelection {
  context?: string;
  namespace?: string;
}

export interface FunctionRef {
  name: string;
  namespace: string;
  /** Unknown (undefined): the adapter looks for a Service first, then a standalone Route. */
  routing?: RoutingMode;
}

/** The cluster's view of a deployed function. */
export interface DeployedFunction {
  name: string;
  namespace: string;
  routing: RoutingMode;
  /** uid of the object holding spec.traffic (Service or Route): the owner of the function's Triggers and PingSources. */
  uid?: string;
  /** resourceVersion of the object holding spec.traffic (Service or Route): writes are guarded by it. */
  resourceVersion: string;
  /** True when every controller has seen the latest spec (observedGeneration == generation). */
  observed: boolean;
  template?: RevisionTemplate;
  /** spec.traffic as written ([] means 100% to the latest ready revision). */
  traffic: TrafficTarget[];
  /** status.traffic: what Knative routes now, with revision names resolved and tag URLs. */
  statusTraffic: TrafficTarget[];
  url?: string;
  latestCreatedRevisionName?: string;
  latestReadyRevisionName?: string;
  /** Service conditions; in route mode synthesized: ConfigurationsReady, RoutesReady, Ready. */
  conditions: Condition[];
  labels: Record<string, string>;
  /** Annotations of the traffic-holding object (fn rollout keeps its state there). */
  annotations: Record<string, string>;
  createdAt?: string;
  /** Field managers that own spec.traffic (server-side apply field ownership); "fn" is fn. */
  trafficOwners?: string[];
  /**
   * Fields of the live revision template that other field managers set (kn's --concurrency-limit,
   * --scale-min…). Server-side apply keeps those fn does not send, so they are part of the template.
   */
  templateSetByOthers?: TemplateFields;
}

export interface RevisionInfo {
  name: string;
  /** serving.knative.dev/configurationGeneration */
  generation?: number;
  createdAt?: string;
  image?: string;
  ready: ConditionStatus;
  reason?: string;
  message?: string;
}

/**
 * What one guarded write changes. `traffic`: spec.traffic (and annotations: a string sets one, null
 * removes it) on the traffic-holding object, everything else fn applied before kept as it is.
 * `apply`: the whole objects, server-side applied (route mode: Configuration and Route, dry-run first);
 * with keepTraffic, spec.traffic is left as it is live and not claimed: re-sent unchanged only where
 * fn owns it (server-side apply would drop a field its manager leaves out), else not sent at all.
 */
export type FunctionChange =
  | {kind: 'traffic'; traffic: TrafficTarget[]; annotations?: Record<string, string | null>}
  | {kind: 'apply'; manifests: FunctionManifests; keepTraffic?: boolean};

export interface UpdateOptions {
  /** Take over fields another field manager owns (server-side apply force; traffic writes always do). */
  force?: boolean;
  /** Have the cluster validate the write without changing anything. */
  dryRun?: boolean;
}

export interface UpdateResult {
  /** What the write returned; the function as read when nothing was written; undefined if it does not exist. */
  fn?: DeployedFunction;
  written: boolean;
}

/**
 * Decides the change from the function as just read (undefined: it does not exist); undefined means
 * nothing to write. Called again on a fresh read after a conflict, so it must compute, not remember.
 * Throwing stops the update.
 */
export type DecideChange = (current: DeployedFunction | undefined, attempt: number) => FunctionChange | undefined | Promise<FunctionChange | undefined>;

export interface WatchOptions {
  timeoutSeconds: number;
  /** Called with every new state seen, for progress output. */
  onUpdate?(fn: DeployedFunction): void;
  signal?: AbortSignal;
}
export interface WatchResult {
  fn: DeployedFunction;
  timedOut: boolean;
}
export interface RevisionWatchResult {
  /** The revision as last seen; undefined while it does not exist. */
  revision?: RevisionInfo;
  timedOut: boolean;
}

export interface Knative {
  /** undefined when there is no such function. */
  get(ref: FunctionRef): Promise<DeployedFunction | undefined>;
  /** Functions in a namespace, or in all namespaces when namespace is undefined. */
  list(namespace: string | undefined): Promise<DeployedFunction[]>;
  /**
   * One paginated list of the function's Revisions (label selector), newest first. cached: served
   * from the API server's watch cache — much faster for hundreds, and may lag by a moment.
   */
  revisions(ref: FunctionRef, options?: {cached?: boolean}): Promise<RevisionInfo[]>;
  revision(namespace: string, name: string): Promise<RevisionInfo | undefined>;
  /**
   * Read → decide → one write guarded by the resourceVersion read. When another writer got there
   * first (409), the adapter reads again and decides again, a few times, then fails with STALE_OBJECT.
   */
  update(ref: FunctionRef, decide: DecideChange, options?: UpdateOptions): Promise<UpdateResult>;
  /** Watches (no polling) from `from` until `done` holds or the timeout passes; `from` is checked first. */
  watchUntil(from: DeployedFunction, done: (fn: DeployedFunction) => boolean, options: WatchOptions): Promise<WatchResult>;
  /**
   * Reads one Revision, then watches it (no polling) until `done` holds or the timeout passes. For a
   * revision whose readiness the function's status does not show: one that is not its latest.
   */
  watchRevisionUntil(namespace: string, name: string, done: (revision: RevisionInfo | undefined) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<RevisionWatchResult>;
  /**
   * Deletes the Service (or Configuration and Route); its Revisions go with it. With wait, returns
   * once the objects are gone (Knative's finalizers have run), watching for it.
   */
  delete(ref: FunctionRef, options?: {wait?: boolean; timeoutSeconds?: number}): Promise<void>;
  deleteRevision(namespace: string, name: string): Promise<void>;
  /** Whether the namespace exists; undefined when the user may not read namespaces (then nobody can tell). */
  namespaceExists(namespace: string): Promise<boolean | undefined>;
}

// ---- Knative Eventing: the Triggers and PingSources that wire a function to events ------------------

/** The function's Service (or Route) as the owner of its Triggers and PingSources: they go with it. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface EventWatchResult {
  objects: EventObjects;
  timedOut: boolean;
}

export interface Eventing {
  /** One function's Triggers and PingSources (by fn's labels); none when Eventing is not installed. */
  objectsOf(namespace: string, functionName: string): Promise<EventObjects>;
  /** Every Trigger and PingSource in a namespace, fn's or not (deploy's plan: its own, and the names others hold); none when Eventing is not installed. */
  objectsIn(namespace: string): Promise<EventObjects>;
  /** Brokers in a namespace, or in all namespaces when namespace is undefined. */
  brokers(namespace: string | undefined): Promise<Broker[]>;
  /** undefined when there is no such broker. */
  broker(namespace: string, name: string): Promise<Broker | undefined>;
  createBroker(broker: Broker): Promise<Broker>;
  /**
   * Server-side apply (field manager "fn") of each object, owned by `owner` when given. dryRun: the
   * cluster validates them (webhooks included) and nothing changes.
   */
  apply(objects: EventObjects, options: {owner?: OwnerReference; dryRun?: boolean}): Promise<EventObjects>;
  delete(objects: EventObjects): Promise<void>;
  /** Watches (no polling) one function's Triggers and PingSources until `done` holds or the timeout passes. */
  watchUntil(namespace: string, functionName: string, done: (objects: EventObjects) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<EventWatchResult>;
  /** Watches one broker until `done` holds or the timeout passes. */
  watchBrokerUntil(namespace: string, name: string, done: (broker: Broker | undefined) => boolean, options: Pick<WatchOptions, 'timeoutSeconds' | 'signal'>): Promise<{broker?: Broker; timedOut: boolean}>;
}
