// fn.yaml + an image digest → Knative objects. Pure and deterministic (same input, same bytes), so
// `fn manifests` output can be committed for GitOps and `fn deploy` applies exactly the same objects.
// Routing "service": one Knative Service. Routing "route": a Configuration and a standalone Route of
// the same name, so traffic can be managed apart from the template (e.g. by another team or tool).
import {sha256Hex} from './sha256.js';
import {compareText} from './text-order.js';
import {stringify} from 'yaml';
import stableStringify from 'fast-json-stable-stringify';
import {FnError} from './errors.js';
import type {FunctionConfig, RoutingMode} from './function.js';
import {assertValidFunction} from './function-checks.js';
import {
  MANAGED_BY_LABEL,
  NAME_LABEL,
  RUNTIME_LABEL,
  SERVING_API_VERSION,
  type Container,
  type ContainerEnvVar,
  type KnativeConfiguration,
  type KnativeRoute,
  type KnativeService,
  type RevisionTemplate,
  type TrafficTarget,
} from './knative.js';
import {validateNamespace} from './names.js';

/** The port every fn runtime listens on (Knative passes it as $PORT too). */
export const FUNCTION_PORT = 8080;
export const HEALTH_PATHS = {readiness: '/health/readiness', liveness: '/health/liveness'} as const;

const DIGEST_REF = /^[^\s@]+@sha256:[0-9a-f]{64}$/;
/** Revision names are `<function>-<hash>`; above this name length the server names them instead. */
const HASH_LENGTH = 10;
export const MAX_NAMED_REVISION_FUNCTION_LENGTH = 63 - 1 - HASH_LENGTH;

export interface ManifestOptions {
  /** registry/name@sha256:… */
  image: string;
  namespace?: string;
  /** Default: fn.yaml deploy.routing, else "service". */
  routing?: RoutingMode;
  /** Default: 100% to the latest revision. */
  traffic?: TrafficTarget[];
  /**
   * Fields of the live template that other field managers set (DeployedFunction.templateSetByOthers).
   * Server-side apply keeps the ones fn does not send, so they are part of the revision: its name
   * covers them. Not sent: fn does not take them over.
   */
  setByOthers?: TemplateFields;
}

interface ManifestsBase {
  name: string;
  namespace?: string;
  /** The template's revision name (undefined for very long function names: the server names it). */
  revisionName?: string;
  image: string;
}
export type FunctionManifests =
  | (ManifestsBase & {routing: 'service'; service: KnativeService})
  | (ManifestsBase & {routing: 'route'; configuration: KnativeConfiguration; route: KnativeRoute});

/** Some fields of a revision template, as another field manager set them (a partial template). */
export interface TemplateFields {
  metadata?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}

export const DEFAULT_TRAFFIC: TrafficTarget[] = [{latestRevision: true, percent: 100}];

export function routingOf(config: Pick<FunctionConfig, 'deploy'>, override?: RoutingMode): RoutingMode {
  return override ?? config.deploy?.routing ?? 'service';
}

export function assertDigestReference(image: string, field = '--image'): string {
  if (DIGEST_REF.test(image)) return image;
  throw new FnError('IMAGE_NOT_PINNED', 'usage', `${field} "${image}" is not pinned by digest (REGISTRY/NAME@sha256:<64 hex>); a tag could change under a running revision`, {
    suggestion: "omit --image to build and push, or pass the digest reference (docker inspect --format '{{index .RepoDigests 0}}' IMAGE)",
    details: {field, value: image},
  });
}

function labelsFor(config: FunctionConfig): Record<string, string> {
  return sortKeys({...config.labels, [NAME_LABEL]: config.name, [MANAGED_BY_LABEL]: 'fn', [RUNTIME_LABEL]: config.runtime});
}

/** Knative's own annotations (rollout-duration…) belong on the Service/Route; the rest on the revision. */
function splitAnnotations(annotations: Record<string, string> = {}) {
  const top: Record<string, string> = {};
  const template: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) (k.startsWith('serving.knative.dev/') ? top : template)[k] = v;
  return {top, template};
}

function scaleAnnotations(config: FunctionConfig): Record<string, string> {
  const s = config.scale ?? {};
  const out: Record<string, string> = {};
  const set = (key: string, value: number | string | undefined) => {
    if (value !== undefined) out[`autoscaling.knative.dev/${key}`] = String(value);
  };
  set('min-scale', s.min);
  set('max-scale', s.max);
  set('initial-scale', s.initial);
  set('target', s.target);
  set('metric', s.metric);
  return out;
}

function envFor(config: FunctionConfig): ContainerEnvVar[] | undefined {
  if (!config.env?.length) return undefined;
  return config.env.map((e) => {
    if (e.secretKeyRef) return {name: e.name, valueFrom: {secretKeyRef: keyRef(e.secretKeyRef)}};
    if (e.configMapKeyRef) return {name: e.name, valueFrom: {configMapKeyRef: keyRef(e.configMapKeyRef)}};
    return {name: e.name, value: e.value ?? ''};
  });
}

function keyRef(ref: {name: string; key: string; optional?: boolean}) {
  return {name: ref.name, key: ref.key, ...(ref.optional === undefined ? {} : {optional: ref.optional})};
}

function envFromFor(config: FunctionConfig): Container['envFrom'] {
  if (!config.envFrom?.length) return undefined;
  return config.envFrom.map((e) => (e.secretRef ? {secretRef: {name: e.secretRef}} : {configMapRef: {name: e.configMapRef as string}}));
}

function quantities(resources: object | undefined): Record<string, string> | undefined {
  if (!resources) return undefined;
  const list = resources as Record<string, string | number | undefined>;
  const out: Record<string, string> = {};
  for (const key of Object.keys(list).sort()) if (list[key] !== undefined) out[key] = String(list[key]);
  return Object.keys(out).length ? out : undefined;
}

/**
 * The revision template, named `<function>-<hash>` so unchanged inputs mean no new revision. The hash
 * is of the template the revision will have: fn's, plus the fields other managers set that fn does not
 * (`setByOthers`), so a template another tool changed never reuses a name taken by a different one.
 */
export function revisionTemplate(config: FunctionConfig, image: string, setByOthers?: TemplateFields): RevisionTemplate {
  assertDigestReference(image);
  // fn.yaml was checked when it was loaded; a config built in code is checked here, the same way.
  assertValidFunction(config);
  const {template: userAnnotations} = splitAnnotations(config.annotations);
  const annotations = sortKeys({...userAnnotations, ...scaleAnnotations(config)});
  const resources = config.resources && {
    ...(quantities(config.resources.requests) ? {requests: quantities(config.resources.requests)} : {}),
    ...(quantities(config.resources.limits) ? {limits: quantities(config.resources.limits)} : {}),
  };
  const container: Container = {
    name: 'function',
    image,
    ports: [{containerPort: FUNCTION_PORT, name: 'http1'}],
    ...(envFor(config) ? {env: envFor(config)} : {}),
    ...(envFromFor(config) ? {envFrom: envFromFor(config)} : {}),
    ...(resources && Object.keys(resources).length ? {resources} : {}),
    readinessProbe: {httpGet: {path: HEALTH_PATHS.readiness}},
    livenessProbe: {httpGet: {path: HEALTH_PATHS.liveness}},
    // Pod Security "restricted": the image must run as a non-root user (fn's runtimes do).
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: {drop: ['ALL']},
      seccompProfile: {type: 'RuntimeDefault'},
    },
  };
  const template: RevisionTemplate = {
    metadata: {
      labels: labelsFor(config),
      ...(Object.keys(annotations).length ? {annotations} : {}),
    },
    spec: {
      ...(config.scale?.concurrency === undefined ? {} : {containerConcurrency: config.scale.concurrency}),
      ...(config.timeout === undefined ? {} : {timeoutSeconds: config.timeout}),
      containers: [container],
    },
  };
  if (config.name.length <= MAX_NAMED_REVISION_FUNCTION_LENGTH) {
    const kept = keptFields(setByOthers, template);
    const resulting = kept ? (overlay(template, kept) as RevisionTemplate) : template;
    template.metadata = {name: `${config.name}-${templateHash(resulting)}`, ...template.metadata};
  }
  return template;
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What of `others` stays next to `sent` after a server-side apply: the fields `sent` does not set (a
 * field fn sends is fn's; Knative's lists are atomic, so a list fn sends is fn's whole). The name is
 * always fn's. Undefined when nothing stays.
 */
export function keptFields(others: TemplateFields | undefined, sent: RevisionTemplate): TemplateFields | undefined {
  if (!others) return undefined;
  const {name: _name, ...metadata} = (others.metadata ?? {}) as Tree;
  return notSent({metadata, spec: others.spec}, sent) as TemplateFields | undefined;
}

function notSent(fields: unknown, sent: unknown): unknown {
  if (sent === undefined) return fields;
  if (!isTree(fields) || !isTree(sent)) return undefined;
  const out: Tree = {};
  for (const [k, v] of Object.entries(fields)) {
    const rest = notSent(v, sent[k]);
    if (rest !== undefined && !(isTree(rest) && Object.keys(rest).length === 0)) out[k] = rest;
  }
  return Object.keys(out).length ? out : undefined;
}

/** `base` with `extra`'s fields added (they never overlap: see keptFields). */
function overlay(base: unknown, extra: unknown): unknown {
  if (!isTree(base) || !isTree(extra)) return extra;
  const out: Tree = {...base};
  for (const [k, v] of Object.entries(extra)) out[k] = k in out ? overlay(out[k], v) : v;
  return out;
}

/** Stable hash of a template (without its name): keys sorted, so object key order never matters. */
export function templateHash(template: RevisionTemplate): string {
  const {name: _name, ...metadata} = template.metadata;
  return sha256Hex(stableStringify({metadata, spec: template.spec})).slice(0, HASH_LENGTH);
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}

/** A standalone Route's `latestRevision` entries must name the Configuration they follow. */
export function withConfigurationName(name: string, traffic: TrafficTarget[]): TrafficTarget[] {
  return traffic.map((t) => (t.latestRevision === true ? {configurationName: name, ...t} : t));
}

export function buildManifests(config: FunctionConfig, options: ManifestOptions): FunctionManifests {
  if (options.namespace !== undefined) validateNamespace(options.namespace);
  const template = revisionTemplate(config, options.image, options.setByOthers);
  const routing = routingOf(config, options.routing);
  const traffic = options.traffic ?? DEFAULT_TRAFFIC;
  const {top} = splitAnnotations(config.annotations);
  const metadata = {
    name: config.name,
    ...(options.namespace ? {namespace: options.namespace} : {}),
    labels: labelsFor(config),
    ...(Object.keys(top).length ? {annotations: sortKeys(top)} : {}),
  };
  const base = {name: config.name, namespace: options.namespace, revisionName: template.metadata.name, image: options.image};
  if (routing === 'service') {
    return {
      ...base,
      routing,
      service: {apiVersion: SERVING_API_VERSION, kind: 'Service', metadata, spec: {template, traffic}},
    };
  }
  return {
    ...base,
    routing,
    // Knative's own annotations (rollout-duration) are valid on the Route, not the Configuration.
    configuration: {apiVersion: SERVING_API_VERSION, kind: 'Configuration', metadata: {name: metadata.name, ...(options.namespace ? {namespace: options.namespace} : {}), labels: metadata.labels}, spec: {template}},
    route: {apiVersion: SERVING_API_VERSION, kind: 'Route', metadata, spec: {traffic: withConfigurationName(config.name, traffic)}},
  };
}

/**
 * The manifests for deploying onto the function as it is live (undefined: not deployed yet): the
 * template fields other managers set there (DeployedFunction.templateSetByOthers) stay in the
 * template, so the revision's name covers them. fn deploy and fn rollout name revisions so.
 */
export function manifestsOnto(live: {templateSetByOthers?: TemplateFields} | undefined, config: FunctionConfig, options: Omit<ManifestOptions, 'setByOthers'>): FunctionManifests {
  return buildManifests(config, {...options, ...(live?.templateSetByOthers ? {setByOthers: live.templateSetByOthers} : {})});
}

/**
 * The same manifests carrying the live template instead of the generated one. For a deploy whose
 * revision name (a hash of the generated template) is the live one: the inputs are unchanged, and
 * the live copy holds the defaults Knative added when it was created. Knative does not default an
 * unchanged template again, so re-sending the bare generated one would be refused. Fields other
 * managers set (`setByOthers`) are left out: they stay theirs, and stay in the template.
 */
export function withLiveTemplate(manifests: FunctionManifests, live: RevisionTemplate, setByOthers?: TemplateFields): FunctionManifests {
  const {creationTimestamp: _c, ...metadata} = live.metadata as RevisionTemplate['metadata'] & {creationTimestamp?: unknown};
  const generated = manifests.routing === 'service' ? manifests.service.spec.template : manifests.configuration.spec.template;
  const kept = keptFields(setByOthers, generated);
  const template = (kept ? without({...live, metadata}, kept) : {...live, metadata}) as RevisionTemplate;
  if (manifests.routing === 'service') {
    return {...manifests, service: {...manifests.service, spec: {...manifests.service.spec, template}}};
  }
  return {...manifests, configuration: {...manifests.configuration, spec: {template}}};
}

/** `value` without the leaves `fields` names (a list named is removed whole). */
function without(value: unknown, fields: unknown): unknown {
  if (!isTree(value) || !isTree(fields)) return undefined;
  const out: Tree = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(k in fields) || fields[k] === undefined) out[k] = v;
    else {
      const rest = without(v, fields[k]);
      if (rest !== undefined && !(isTree(rest) && Object.keys(rest).length === 0)) out[k] = rest;
    }
  }
  return out;
}

/** The same manifests with annotations on the traffic-holding object (Service or Route); null leaves one out. */
export function withAnnotations(manifests: FunctionManifests, annotations: Record<string, string | null>): FunctionManifests {
  const set = Object.entries(annotations).filter((e): e is [string, string] => e[1] !== null);
  if (set.length === 0) return manifests;
  const annotate = <T extends {metadata: {annotations?: Record<string, string>}}>(o: T): T => ({...o, metadata: {...o.metadata, annotations: sortKeys({...o.metadata.annotations, ...Object.fromEntries(set)})}});
  return manifests.routing === 'service' ? {...manifests, service: annotate(manifests.service)} : {...manifests, route: annotate(manifests.route)};
}

/** The same manifests with another traffic block (computed from the cluster at deploy time). */
export function withTraffic(manifests: FunctionManifests, traffic: TrafficTarget[]): FunctionManifests {
  if (manifests.routing === 'service') {
    return {...manifests, service: {...manifests.service, spec: {...manifests.service.spec, traffic}}};
  }
  return {...manifests, route: {...manifests.route, spec: {traffic: withConfigurationName(manifests.name, traffic)}}};
}

export function manifestObjects(manifests: FunctionManifests): Array<KnativeService | KnativeConfiguration | KnativeRoute> {
  return manifests.routing === 'service' ? [manifests.service] : [manifests.configuration, manifests.route];
}

/** Multi-document YAML, one object per document: the function's, then `more` (its Triggers and PingSources). */
export function renderManifests(manifests: FunctionManifests, more: object[] = []): string {
  return [...manifestObjects(manifests), ...more]
    .map((o) => stringify(o, {lineWidth: 0}))
    .join('---\n');
}
