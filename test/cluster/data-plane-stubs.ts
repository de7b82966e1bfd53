/**
 * Data-plane stubs for the local Knative test control plane (test/cluster/up.sh).
 *
 * The control plane runs the real kube-apiserver, etcd, kube-controller-manager
 * (garbagecollector, namespace) and the real Knative Serving controller and webhook.
 * What cannot run here is the data plane: no kubelet (pods never start), no Knative
 * autoscaler/activator and no networking layer (Istio/Kourier). This process stands in for
 * the few status writers Knative's controller waits on, so that Revisions, Routes and
 * Services become Ready and everything Knative computes (status.traffic, URLs, tag URLs,
 * conditions) is real:
 *
 *  - PodAutoscaler (autoscaling.internal.knative.dev/v1alpha1 podautoscalers), normally
 *    written by the autoscaler: serviceName, metricsServiceName, desiredScale/actualScale 1,
 *    conditions Active, Ready, ScaleTargetInitialized, SKSReady = True, observedGeneration.
 *  - KIngress (networking.internal.knative.dev/v1alpha1 ingresses), normally written by the
 *    ingress controller: observedGeneration, Ready/LoadBalancerReady/NetworkConfigured = True,
 *    public/private load balancer domainInternal.
 *  - Deployment status of revision Deployments (apps/v1, label serving.knative.dev/revision),
 *    normally written by the deployment controller: 1/1 ready replicas, Available and
 *    Progressing = True. (Not needed for readiness: the PA status suffices. It is what carries
 *    a failure reason into the Revision; a PA Ready=False alone makes Knative report
 *    ProgressDeadlineExceeded "Initial scale was never achieved" instead.)
 *
 * Not stubbed because Knative's controller does not need them for Ready: ServerlessServices
 * (created only by the autoscaler) and Certificates (only with auto-TLS / external-domain-tls,
 * off by default).
 *
 * FAIL-A-REVISION KNOB
 *   Put the annotation (or label) `fn.test/fail` on a Revision, normally by setting it in the
 *   Knative Service's `spec.template.metadata.annotations`:
 *
 *     fn.test/fail: "ImagePullBackOff: the image could not be pulled"
 *
 *   The text before the first ": " is the reason, the rest is the message (no ": " means the
 *   whole value is the reason and the message is empty). The stubs then report that
 *   revision's Deployment with a ReplicaFailure=True condition (0 available replicas) and its
 *   PodAutoscaler with Ready=False/Active=False, both with that reason and message. Knative's
 *   revision reconciler turns this into
 *     Revision  ResourcesAvailable=False, Ready=False  reason/message as given
 *   and the Configuration/Service report the failed latest revision as Knative does
 *   (ConfigurationsReady=False, reason RevisionFailed, message naming the revision; Ready=False).
 *   The knob is read from the Revision (watched) or, before the Revision is seen, from the copy
 *   Knative puts on the PodAutoscaler/Deployment. Annotating an existing Revision fails it;
 *   removing the annotation (`kubectl annotate revision NAME fn.test/fail-`) heals it.
 *
 * Run: KUBECONFIG=... node --import tsx test/cluster/data-plane-stubs.ts   (up.sh does this)
 */
import * as k8s from '@kubernetes/client-node';

const FAIL_KEY = 'fn.test/fail';
const LB_DOMAIN = process.env.FN_TESTENV_LB_DOMAIN ?? 'fn-testenv-ingress.knative-serving.svc.cluster.local';
const RESYNC_MS = 3000;

const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const watcher = new k8s.Watch(kc);

type Obj = { apiVersion?: string; kind?: string; metadata: k8s.V1ObjectMeta; spec?: any; status?: any };
type Condition = { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; lastTransitionTime?: string; severity?: string };

const log = (...a: unknown[]) => console.log(new Date().toISOString(), ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errCode = (e: any): number | undefined => e?.code ?? e?.statusCode ?? e?.response?.statusCode;
/** Kubernetes stores times with second precision. */
const nowTime = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

// ------------------------------------------------------------ helpers

/** Parse `Reason: message` from the knob. */
export function parseFailure(value: string | undefined): { reason: string; message: string } | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const i = v.indexOf(': ');
  if (i < 0) return { reason: v || 'StubFailure', message: '' };
  return { reason: v.slice(0, i).trim() || 'StubFailure', message: v.slice(i + 2).trim() };
}

// Fail knobs of all Revisions, from a watch (+ periodic re-list) of revisions.
const revisionKnobs = new Map<string, string | undefined>(); // "ns/name" -> knob value

function knobOf(o: Obj): string | undefined {
  return o.metadata.annotations?.[FAIL_KEY] ?? o.metadata.labels?.[FAIL_KEY];
}

/**
 * The failure asked for a revision: the Revision's own knob when we have seen the Revision,
 * else the copy Knative made onto the PodAutoscaler/Deployment when it created them.
 */
function revisionFailure(child: Obj, revision: string | undefined) {
  const key = `${child.metadata.namespace}/${revision}`;
  return parseFailure(revision && revisionKnobs.has(key) ? revisionKnobs.get(key) : knobOf(child));
}

/** Keep lastTransitionTime when a condition did not change, so we write only on real changes. */
function withTimes(want: Condition[], have: Condition[] | undefined, now: string): Condition[] {
  return want.map((c) => {
    const old = have?.find((h) => h.type === c.type);
    const same = old && old.status === c.status && (old.reason ?? '') === (c.reason ?? '') && (old.message ?? '') === (c.message ?? '');
    const out: Condition = { ...c, lastTransitionTime: same && old.lastTransitionTime ? old.lastTransitionTime : now };
    if (!out.reason) delete out.reason;
    if (!out.message) delete out.message;
    return out;
  });
}

function normalize(v: any): any {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: any = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined && v[k] !== '') out[k] = normalize(v[k]);
    return out;
  }
  return v;
}
const sameStatus = (a: any, b: any) => JSON.stringify(normalize(a ?? {})) === JSON.stringify(normalize(b ?? {}));

const cond = (type: string, ok: boolean, reason?: string, message?: string): Condition =>
  ok ? { type, status: 'True' } : { type, status: 'False', reason, message };

// ------------------------------------------------------------ reconcilers

async function reconcilePodAutoscaler(pa: Obj) {
  const { namespace = '', name = '', generation } = pa.metadata;
  const revision = pa.metadata.labels?.['serving.knative.dev/revision'] ?? pa.metadata.ownerReferences?.[0]?.name;
  const fail = revisionFailure(pa, revision);
  const now = nowTime();
  const conds: Condition[] = fail
    ? [
        cond('Active', false, fail.reason, fail.message),
        cond('Ready', false, fail.reason, fail.message),
        { type: 'ScaleTargetInitialized', status: 'Unknown', reason: 'Queued', message: 'stub: revision marked failed' },
        cond('SKSReady', true),
      ]
    : [cond('Active', true), cond('Ready', true), cond('ScaleTargetInitialized', true), cond('SKSReady', true)];
  const status = {
    ...(pa.status ?? {}),
    observedGeneration: generation,
    serviceName: revision ?? name,
    metricsServiceName: `${revision ?? name}-private`,
    desiredScale: fail ? 0 : 1,
    actualScale: fail ? 0 : 1,
    conditions: withTimes(conds, pa.status?.conditions, now),
  };
  if (sameStatus(status, pa.status)) return;
  await custom.replaceNamespacedCustomObjectStatus({
    group: 'autoscaling.internal.knative.dev', version: 'v1alpha1', namespace, plural: 'podautoscalers', name,
    body: { ...pa, status },
  });
  log(`podautoscaler ${namespace}/${name}: ${fail ? `failed (${fail.reason})` : 'ready'}`);
}

async function reconcileIngress(ing: Obj) {
  const { namespace = '', name = '', generation } = ing.metadata;
  const now = nowTime();
  const lb = { ingress: [{ domainInternal: LB_DOMAIN }] };
  const status = {
    ...(ing.status ?? {}),
    observedGeneration: generation,
    publicLoadBalancer: lb,
    privateLoadBalancer: lb,
    conditions: withTimes(
      [cond('LoadBalancerReady', true), cond('NetworkConfigured', true), cond('Ready', true)],
      ing.status?.conditions, now),
  };
  if (sameStatus(status, ing.status)) return;
  await custom.replaceNamespacedCustomObjectStatus({
    group: 'networking.internal.knative.dev', version: 'v1alpha1', namespace, plural: 'ingresses', name,
    body: { ...ing, status },
  });
  log(`kingress ${namespace}/${name}: ready (generation ${generation})`);
}

async function reconcileDeployment(d: Obj) {
  const { namespace = '', name = '', generation } = d.metadata;
  const revision = d.metadata.labels?.['serving.knative.dev/revision'];
  if (!revision) return;
  const fail = revisionFailure(d, revision);
  const replicas = d.spec?.replicas ?? 1;
  const now = nowTime();
  const have = d.status?.conditions as Condition[] | undefined;
  const conds: Condition[] = fail
    ? [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.` },
        { type: 'ReplicaFailure', status: 'True', reason: fail.reason, message: fail.message },
      ]
    : [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}" has successfully progressed.` },
      ];
  const ready = fail ? 0 : replicas;
  const status: any = {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: ready,
    availableReplicas: ready,
    unavailableReplicas: replicas - ready,
    conditions: withTimes(conds, have, now).map((c) => ({ ...c, lastUpdateTime: c.lastTransitionTime })),
  };
  // The API server omits zero counts (omitempty); do the same so comparisons hold.
  for (const k of Object.keys(status)) if (status[k] === 0) delete status[k];
  const cmp = (s: any) => ({ ...s, conditions: (s?.conditions ?? []).map(({ lastUpdateTime, ...c }: any) => c) });
  if (sameStatus(cmp(status), cmp(d.status))) return;
  // Raw JSON through the generic client (no typed-model round trip of dates and fields).
  await custom.replaceNamespacedCustomObjectStatus({ group: 'apps', version: 'v1', namespace, plural: 'deployments', name, body: { ...d, status } });
  log(`deployment ${namespace}/${name}: ${fail ? `failed (${fail.reason})` : `${ready}/${replicas} ready`}`);
}

// ------------------------------------------------------------ plumbing

interface Kind {
  name: string;
  path: string; // collection path for watch, all namespaces
  query?: Record<string, string>;
  list: () => Promise<Obj[]>;
  reconcile?: (o: any) => Promise<void>;
  /** Synchronous handling in the watch callback / re-list instead of the queue. */
  observe?: (phase: string, o: Obj) => void;
}

function observeRevision(phase: string, rev: Obj) {
  const key = `${rev.metadata.namespace}/${rev.metadata.name}`;
  if (phase === 'DELETED') { revisionKnobs.delete(key); return; }
  const knob = knobOf(rev);
  const had = revisionKnobs.has(key);
  const prev = revisionKnobs.get(key);
  revisionKnobs.set(key, knob);
  if (had ? prev !== knob : knob !== undefined) {
    log(`revision ${key}: fail knob ${knob === undefined ? 'removed' : JSON.stringify(knob)}`);
    kickResync();
  }
}

const kinds: Kind[] = [
  {
    name: 'revision',
    path: '/apis/serving.knative.dev/v1/revisions',
    list: async () => ((await custom.listClusterCustomObject({ group: 'serving.knative.dev', version: 'v1', plural: 'revisions' })) as any).items,
    observe: observeRevision,
  },
  {
    name: 'podautoscaler',
    path: '/apis/autoscaling.internal.knative.dev/v1alpha1/podautoscalers',
    list: async () => ((await custom.listClusterCustomObject({ group: 'autoscaling.internal.knative.dev', version: 'v1alpha1', plural: 'podautoscalers' })) as any).items,
    reconcile: reconcilePodAutoscaler,
  },
  {
    name: 'kingress',
    path: '/apis/networking.internal.knative.dev/v1alpha1/ingresses',
    list: async () => ((await custom.listClusterCustomObject({ group: 'networking.internal.knative.dev', version: 'v1alpha1', plural: 'ingresses' })) as any).items,
    reconcile: reconcileIngress,
  },
  {
    name: 'deployment',
    path: '/apis/apps/v1/deployments',
    query: { labelSelector: 'serving.knative.dev/revision' },
    list: async () => ((await custom.listClusterCustomObject({ group: 'apps', version: 'v1', plural: 'deployments', labelSelector: 'serving.knative.dev/revision' })) as any).items,
    reconcile: reconcileDeployment,
  },
];

// One pending object per key; a key is never reconciled concurrently with itself.
const pending = new Map<string, { kind: Kind; obj: Obj }>();
const running = new Set<string>();
let wake: (() => void) | undefined;

function enqueue(kind: Kind, obj: Obj) {
  if (kind.observe) return kind.observe('MODIFIED', obj);
  if (obj?.metadata?.deletionTimestamp) return;
  pending.set(`${kind.name}/${obj.metadata.namespace}/${obj.metadata.name}`, { kind, obj });
  wake?.();
}

async function worker() {
  for (;;) {
    const key = [...pending.keys()].find((k) => !running.has(k));
    if (!key) {
      await new Promise<void>((r) => { wake = r; setTimeout(r, 500); });
      wake = undefined;
      continue;
    }
    const { kind, obj } = pending.get(key)!;
    pending.delete(key);
    running.add(key);
    kind.reconcile!(obj)
      .catch((e) => {
        const code = errCode(e);
        // 409: our copy was stale; 404: gone. The next event or resync brings a fresh copy.
        if (code !== 409 && code !== 404) log(`${key}: ${e?.body?.message ?? e?.message ?? e}`);
      })
      .finally(() => { running.delete(key); wake?.(); });
  }
}

async function watchForever(kind: Kind) {
  for (;;) {
    await new Promise<void>((resolve) => {
      watcher
        .watch(kind.path, kind.query ?? {},
          (phase, obj) => {
            if (kind.observe && phase !== 'BOOKMARK' && phase !== 'ERROR') kind.observe(phase, obj);
            else if (phase === 'ADDED' || phase === 'MODIFIED') enqueue(kind, obj);
          },
          () => resolve())
        .catch(() => resolve());
    });
    await sleep(500);
  }
}

let kick: (() => void) | undefined;
/** Re-list everything now (a Revision's knob changed: its PA and Deployment must follow). */
function kickResync() { kick?.(); }

async function resyncAll() {
  // Revisions first, so the knob cache is current when PAs/Deployments are reconciled.
  for (const kind of kinds) {
    try {
      for (const o of await kind.list()) enqueue(kind, o);
    } catch (e: any) {
      if (errCode(e) !== 404) log(`list ${kind.name}s: ${e?.body?.message ?? e?.message ?? e}`);
    }
  }
}

async function resyncForever() {
  for (;;) {
    await resyncAll();
    await new Promise<void>((r) => { kick = r; setTimeout(r, RESYNC_MS); });
    kick = undefined;
  }
}

log(`data-plane stubs starting against ${kc.getCurrentCluster()?.server}`);
void (async () => {
  await resyncAll(); // knob cache before the first PodAutoscaler/Deployment events
  for (const k of kinds) void watchForever(k);
  void worker();
  void resyncForever();
})();
process.on('SIGTERM', () => { log('stopping'); process.exit(0); });
process.on('SIGINT', () => process.exit(0));
