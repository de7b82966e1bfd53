// The parts of the Knative Serving v1 API that fn reads and writes, as plain types. Pure: no SDK.
// Field names follow serving.knative.dev/v1 exactly so objects go to the API server as they are.

export const SERVING_API_VERSION = 'serving.knative.dev/v1';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const NAME_LABEL = 'app.kubernetes.io/name';
export const RUNTIME_LABEL = 'fn.dev/runtime';
export const FIELD_MANAGER = 'fn';

/** Labels Knative puts on every Revision. */
export const REVISION_LABELS = {
  service: 'serving.knative.dev/service',
  configuration: 'serving.knative.dev/configuration',
  generation: 'serving.knative.dev/configurationGeneration',
  routingState: 'serving.knative.dev/routingState',
} as const;

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  uid?: string;
  ownerReferences?: {apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean}[];
}

/** One entry of spec.traffic / status.traffic. `revisionName` and `latestRevision: true` are exclusive. */
export interface TrafficTarget {
  revisionName?: string;
  /** Only in a standalone Route: which Configuration `latestRevision` follows. */
  configurationName?: string;
  latestRevision?: boolean;
  percent?: number;
  tag?: string;
  /** status.traffic only: the tag's own URL. */
  url?: string;
}

export interface KeyRefSource {
  name: string;
  key: string;
  optional?: boolean;
}

export interface ContainerEnvVar {
  name: string;
  value?: string;
  valueFrom?: {secretKeyRef?: KeyRefSource; configMapKeyRef?: KeyRefSource};
}

export interface Probe {
  httpGet?: {path: string; port?: number};
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name?: string;
  image: string;
  ports?: {containerPort: number; name?: string}[];
  env?: ContainerEnvVar[];
  envFrom?: {secretRef?: {name: string}; configMapRef?: {name: string}}[];
  resources?: {requests?: Record<string, string>; limits?: Record<string, string>};
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: {drop?: string[]};
    seccompProfile?: {type: string};
  };
}

export interface RevisionSpec {
  containerConcurrency?: number;
  timeoutSeconds?: number;
  containers: Container[];
}

export interface RevisionTemplate {
  metadata: {name?: string; labels?: Record<string, string>; annotations?: Record<string, string>};
  spec: RevisionSpec;
}

export interface KnativeStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  url?: string;
  latestCreatedRevisionName?: string;
  latestReadyRevisionName?: string;
  traffic?: TrafficTarget[];
}

export interface KnativeService {
  apiVersion: typeof SERVING_API_VERSION;
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {template: RevisionTemplate; traffic?: TrafficTarget[]};
  status?: KnativeStatus;
}

export interface KnativeConfiguration {
  apiVersion: typeof SERVING_API_VERSION;
  kind: 'Configuration';
  metadata: ObjectMeta;
  spec: {template: RevisionTemplate};
  status?: KnativeStatus;
}

export interface KnativeRoute {
  apiVersion: typeof SERVING_API_VERSION;
  kind: 'Route';
  metadata: ObjectMeta;
  spec: {traffic?: TrafficTarget[]};
  status?: KnativeStatus;
}

export interface KnativeRevision {
  apiVersion: typeof SERVING_API_VERSION;
  kind: 'Revision';
  metadata: ObjectMeta;
  spec: RevisionSpec;
  status?: {observedGeneration?: number; conditions?: Condition[]; containerStatuses?: {name?: string; imageDigest?: string}[]};
}

export function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
