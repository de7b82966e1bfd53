// Ports: what the core needs from the outside world. Adapters in src/adapters implement them; the
// core and the commands only ever see these interfaces.
import type {FunctionConfig, RoutingMode} from './function.js';
import type {Condition, ConditionStatus, RevisionTemplate, TrafficTarget} from './knative.js';
import type {FunctionManifests} from './manifests.js';
import type {BuildContext} from './build-context.js';

/** Progress and warnings for humans: written to stderr, silenced by --json. */
export interface Progress {
  step(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Verbose detail (build log lines, API calls): shown with --verbose only. */
  detail(message: string): void;
}

export const silentProgress: Progress = {step() {}, info() {}, warn() {}, detail() {}};

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
}
export interface BuildResult {
  image: string;
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

// ---- Knative: deploy, describe, traffic ----------------------------------------------------------
// One adapter (src/adapters/knative) implements all three. A function is deployed either as one
// Knative Service (routing "service") or as a Configuration plus a standalone Route of the same name
// (routing "route"); these ports hide the difference.

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
  annotations: Record<string, string>;
  createdAt?: string;
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

export interface WaitOptions {
  timeoutSeconds: number;
  /** Called with every new state seen, for progress output. */
  onUpdate?(fn: DeployedFunction): void;
  signal?: AbortSignal;
}
export interface WaitResult {
  fn: DeployedFunction;
  timedOut: boolean;
}

export interface Describer {
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
}

export interface SetTrafficOptions {
  dryRun?: boolean;
  /**
   * Annotations written in the same guarded write as the traffic (set a string, remove with null) on
   * the traffic-holding object: `fn rollout` keeps its state there so state and split never disagree.
   */
  annotations?: Record<string, string | null>;
}

export interface TrafficManager extends Describer {
  /**
   * One write of spec.traffic, guarded by fn.resourceVersion. Throws FnError STALE_OBJECT (exit
   * conflict) when the object changed since it was read: re-read and recompute.
   */
  setTraffic(fn: DeployedFunction, traffic: TrafficTarget[], options?: SetTrafficOptions): Promise<DeployedFunction>;
  /** Watches (no polling) from `from` until `done` holds or the timeout passes; `from` is checked first. */
  waitFor(from: DeployedFunction, done: (fn: DeployedFunction) => boolean, options: WaitOptions): Promise<WaitResult>;
}

export interface ApplyOptions {
  /** Take over fields another field manager owns (server-side apply force). */
  force?: boolean;
  dryRun?: boolean;
  /** Fail with STALE_OBJECT when the traffic-holding object's resourceVersion is no longer this. */
  resourceVersion?: string;
}

export interface Deployer extends TrafficManager {
  /** Server-side apply with field manager "fn". Route mode: Configuration and Route, dry-run first. */
  apply(manifests: FunctionManifests, options: ApplyOptions): Promise<DeployedFunction>;
  /**
   * Deletes the Service (or Configuration and Route); its Revisions go with it. With wait, returns
   * once the objects are gone (Knative's finalizers have run), watching for it.
   */
  delete(ref: FunctionRef, options?: {wait?: boolean; timeoutSeconds?: number}): Promise<void>;
  deleteRevision(namespace: string, name: string): Promise<void>;
}
