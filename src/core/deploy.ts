// `fn deploy` as a use case over the Knative port: manifests (validated before the cluster is
// contacted), the traffic block computed from what is deployed, ONE server-side apply guarded by
// resourceVersion (the port re-reads and this recomputes if someone wrote in between), then a watch
// until Ready.
import {FnError} from './errors.js';
import type {FunctionConfig, RoutingMode} from './function.js';
import {buildManifests, MAX_NAMED_REVISION_FUNCTION_LENGTH, withLiveTemplate, withTraffic} from './manifests.js';
import type {DeployedFunction, Knative, Progress, RevisionInfo} from './ports.js';
import {deployOutcome, newConditionLines, notReadyError} from './readiness.js';
import {deployTraffic, sameTraffic, type TrafficTarget} from './traffic.js';
import {revisionFailedError, type RevisionDiagnosis} from './pod-failure.js';
import {DiagnosedFailure, waitWatchingPods} from './pod-watched-wait.js';

export interface DeployRequest {
  config: FunctionConfig;
  /** registry/name@sha256:… */
  image: string;
  namespace: string;
  routing: RoutingMode;
  tag?: string;
  noTraffic?: boolean;
  force?: boolean;
  wait: boolean;
  timeoutSeconds: number;
  signal?: AbortSignal;
  /** Looks at the new revision's pods while waiting, so a revision that cannot start fails in seconds. */
  diagnose?: RevisionDiagnosis;
}

export interface TagUrl {
  tag: string;
  revision?: string;
  url?: string;
}

export interface DeployResult {
  service: string;
  namespace: string;
  routing: RoutingMode;
  revision?: string;
  image: string;
  url?: string;
  tags: TagUrl[];
  /** What Knative routes (status.traffic), or what was written when not waiting. */
  traffic: TrafficTarget[];
  /** False when no revision was created: the inputs are unchanged, or match an earlier revision (reused). */
  newRevision: boolean;
  ready: boolean;
  notes: string[];
}

export function tagUrls(fn: DeployedFunction): TagUrl[] {
  const source = fn.statusTraffic.length ? fn.statusTraffic : fn.traffic;
  return source.filter((t) => t.tag).map((t) => ({tag: t.tag as string, ...(t.revisionName ? {revision: t.revisionName} : {}), ...(t.url ? {url: t.url} : {})}));
}

export async function deploy(knative: Knative, request: DeployRequest, progress: Progress): Promise<DeployResult> {
  const {config, namespace, routing} = request;
  const manifests = buildManifests(config, {image: request.image, namespace, routing});
  if ((request.tag || request.noTraffic) && !manifests.revisionName) {
    throw new FnError('NAME_TOO_LONG_FOR_TAG', 'usage', `--tag and --no-traffic need fn to name the revision, which needs a function name of at most ${MAX_NAMED_REVISION_FUNCTION_LENGTH} characters ("${config.name}" has ${config.name.length})`, {
      suggestion: 'use a shorter name in fn.yaml',
    });
  }

  // Same inputs as an earlier revision (e.g. deploying v1 again after v2): Knative reuses it. Read
  // alongside the function; a failed function read is reported first (the revision's error waits).
  const existingRead: Promise<RevisionInfo | undefined> = manifests.revisionName ? knative.revision(namespace, manifests.revisionName) : Promise.resolve(undefined);
  existingRead.catch(() => undefined);
  let existing: RevisionInfo | undefined;
  let before: DeployedFunction | undefined;
  let notes: string[] = [];
  const {fn: applied} = await knative.update(
    {name: config.name, namespace},
    async (current) => {
      before = current;
      existing = await existingRead;
      if (current && current.routing !== routing) {
        throw new FnError('ROUTING_MISMATCH', 'conflict', `${config.name} is deployed in namespace "${namespace}" with routing "${current.routing}", but this deploy uses "${routing}"`, {
          suggestion: `set deploy.routing: ${current.routing} in fn.yaml (or pass --routing ${current.routing}), or fn delete ${config.name} first`,
        });
      }
      const change = deployTraffic(current && {...current, revisions: []}, {revisionName: manifests.revisionName ?? '', noTraffic: request.noTraffic, tag: request.tag});
      notes = change.notes;
      const unchanged = Boolean(manifests.revisionName) && current?.template?.metadata.name === manifests.revisionName;
      return {kind: 'apply', manifests: withTraffic(unchanged ? withLiveTemplate(manifests, current!.template!) : manifests, change.traffic)};
    },
    {force: request.force},
  );
  if (!applied) throw new FnError('UNEXPECTED', 'unexpected', `the apply of ${config.name} returned nothing`);
  for (const note of notes) progress.info(note);

  const templateChanged = !before || !manifests.revisionName || before.template?.metadata.name !== manifests.revisionName;
  const newRevision = templateChanged && !existing;
  const revision = manifests.revisionName ?? applied.latestCreatedRevisionName;
  if (!templateChanged) {
    progress.step(sameTraffic(before!.traffic, applied.traffic) ? `${config.name} is unchanged (revision ${revision})` : `${config.name}: no new revision; traffic updated`);
  } else if (existing) {
    progress.step(`${config.name}: the inputs match revision ${revision} (created ${existing.createdAt ?? 'earlier'}), which Knative reuses: no new revision`);
  } else {
    progress.step(`${before ? 'Updating' : 'Creating'} ${config.name} in namespace ${namespace}: revision ${revision ?? '(named by Knative)'}`);
  }

  let final = applied;
  let ready = false;
  if (request.wait) {
    const seen = new Map<string, string>();
    // Pods are looked at only while there is something to wait for (not for an unchanged, ready revision).
    const pending = deployOutcome(applied, manifests.revisionName) === 'pending';
    const watched = pending && manifests.revisionName ? [manifests.revisionName] : [];
    const {fn, timedOut} = await waitWatchingPods(request.diagnose, namespace, watched, request.signal, (signal) =>
      knative.watchUntil(applied, (f) => deployOutcome(f, manifests.revisionName) !== 'pending', {
        timeoutSeconds: request.timeoutSeconds,
        signal,
        onUpdate: (f) => {
          if (f.observed) for (const line of newConditionLines(f, seen)) progress.info(line);
        },
      }),
    ).catch(async (e) => {
      if (!(e instanceof DiagnosedFailure)) throw e;
      // Knative's own reason comes first when it already has one.
      const info = await knative.revision(namespace, e.revision).catch(() => undefined);
      if (info?.ready === 'False') throw notReadyError((await knative.get({name: config.name, namespace, routing})) ?? applied, info, false, request.timeoutSeconds);
      throw revisionFailedError(config.name, namespace, e.revision, e.failure);
    });
    final = fn;
    const outcome = deployOutcome(fn, manifests.revisionName);
    if (outcome !== 'ready') {
      const name = manifests.revisionName ?? fn.latestCreatedRevisionName;
      const revisionInfo = name ? await knative.revision(namespace, name) : undefined;
      throw notReadyError(fn, revisionInfo, timedOut, request.timeoutSeconds);
    }
    ready = true;
  }
  return {
    service: config.name,
    namespace,
    routing,
    ...(revision ? {revision} : {}),
    image: request.image,
    ...(final.url ? {url: final.url} : {}),
    tags: tagUrls(final),
    traffic: ready && final.statusTraffic.length ? final.statusTraffic : final.traffic,
    newRevision,
    ready,
    notes,
  };
}
