// What still cannot run here, stood in for: Knative's autoscaler. Nothing else in the data plane
// is a stub (pods run in node.ts, routing in ingress.ts, Deployments and ReplicaSets by the real
// kube-controller-manager).
//
// The autoscaler writes PodAutoscaler status and scales each revision's Deployment. This stand-in
// keeps the parts of its contract the revision reconciler relies on, from the Deployment's real
// ready replicas, without request metrics:
//  - scale: the initial scale (annotation autoscaling.knative.dev/initial-scale, default 1) until
//    the scale target is initialized; then max(min-scale, 1), capped by max-scale, while the
//    revision is reachable (routed), and 0 when it is not (Knative scales unrouted revisions to
//    zero). No scaling on load, no scale to zero of routed revisions.
//  - status: ScaleTargetInitialized once the initial scale had ready pods (then the Revision becomes
//    Ready); Active/Ready True while pods are ready, False (NoTraffic) when scaled to zero after
//    initialization, Unknown (Queued) before; SKSReady True (the ingress routes to pods directly);
//    serviceName, metricsServiceName, desiredScale, actualScale, observedGeneration.
import {informer, KeyedQueue, log, mergePatch, nowTime, type KubeObject} from './kube.js';

const C = 'autoscaler-stub';
const PA_PATH = '/apis/autoscaling.internal.knative.dev/v1alpha1';
const pas = new Map<string, KubeObject>(); // ns/revision → PodAutoscaler
/** PodAutoscaler uids whose scale target was initialized: once is for good (caches may lag). */
const initializedOnce = new Set<string>();
const deployments = new Map<string, KubeObject>(); // ns/revision → Deployment

type Status = 'True' | 'False' | 'Unknown';
interface Condition {
  type: string;
  status: Status;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function withTimes(want: Condition[], have: Condition[] | undefined): Condition[] {
  const now = nowTime();
  return want.map((c) => {
    const old = have?.find((h) => h.type === c.type);
    const same = old && old.status === c.status && (old.reason ?? '') === (c.reason ?? '');
    return {...c, lastTransitionTime: same && old.lastTransitionTime ? old.lastTransitionTime : now};
  });
}

const intAnnotation = (o: KubeObject, key: string): number | undefined => {
  const v = o.metadata.annotations?.[`autoscaling.knative.dev/${key}`];
  return v === undefined || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v);
};

const queue = new KeyedQueue<string>(C, async (key) => {
  const pa = pas.get(key);
  if (!pa || pa.metadata.deletionTimestamp) return;
  const {namespace, name} = pa.metadata;
  const revision = pa.metadata.labels?.['serving.knative.dev/revision'] ?? name;
  const d = deployments.get(key);
  const ready = d?.status?.readyReplicas ?? 0;
  const initialScale = intAnnotation(pa, 'initial-scale') ?? 1; // 0 only where config-autoscaler allows it
  const initialized =
    initializedOnce.has(pa.metadata.uid!) ||
    pa.status?.conditions?.some((c: Condition) => c.type === 'ScaleTargetInitialized' && c.status === 'True') ||
    ready >= initialScale;
  if (initialized) initializedOnce.add(pa.metadata.uid!);
  const reachable = pa.spec?.reachability !== 'Unreachable';
  const max = intAnnotation(pa, 'max-scale') || Infinity;
  const desired = !initialized ? initialScale : reachable ? Math.min(Math.max(intAnnotation(pa, 'min-scale') ?? 1, 1), max) : 0;

  if (d && d.spec?.replicas !== desired && !d.metadata.deletionTimestamp) {
    await mergePatch(`/apis/apps/v1/namespaces/${namespace}/deployments/${d.metadata.name}/scale`, {spec: {replicas: desired}});
    log(C, `${key}: scaled to ${desired}${reachable ? '' : ' (not routed)'}`);
  }
  const active: Condition =
    ready > 0
      ? {type: 'Active', status: 'True'}
      : initialized && desired === 0
        ? {type: 'Active', status: 'False', reason: 'NoTraffic', message: 'The target is not receiving traffic.'}
        : {type: 'Active', status: 'Unknown', reason: 'Queued', message: 'Requests to the target are being buffered as resources are provisioned.'};
  const conditions = withTimes(
    [
      active,
      {...active, type: 'Ready'},
      initialized ? {type: 'ScaleTargetInitialized', status: 'True'} : {type: 'ScaleTargetInitialized', status: 'Unknown', reason: 'Queued', message: 'waiting for the initial scale to have ready pods'},
      {type: 'SKSReady', status: 'True'},
    ],
    pa.status?.conditions,
  );
  const status = {
    observedGeneration: pa.metadata.generation,
    serviceName: revision,
    metricsServiceName: `${revision}-private`,
    desiredScale: desired,
    actualScale: ready,
    conditions,
  };
  const comparable = (s: any) => JSON.stringify({...s, conditions: (s?.conditions ?? []).map(({lastTransitionTime: _t, ...c}: Condition) => c)});
  if (comparable(status) === comparable(pa.status)) return;
  await mergePatch(`${PA_PATH}/namespaces/${namespace}/podautoscalers/${name}/status`, {status});
});

export function startAutoscalerStub(): void {
  void informer(`${PA_PATH}/podautoscalers`, {}, (type, pa) => {
    const key = `${pa.metadata.namespace}/${pa.metadata.name}`;
    if (type === 'DELETED') {
      pas.delete(key);
      initializedOnce.delete(pa.metadata.uid!);
    }
    else {
      pas.set(key, pa);
      queue.push(key, key);
    }
  });
  void informer('/apis/apps/v1/deployments', {labelSelector: 'serving.knative.dev/revision'}, (type, d) => {
    const key = `${d.metadata.namespace}/${d.metadata.labels!['serving.knative.dev/revision']}`;
    if (type === 'DELETED') deployments.delete(key);
    else deployments.set(key, d);
    if (pas.has(key)) queue.push(key, key);
  });
  log(C, 'started');
}
