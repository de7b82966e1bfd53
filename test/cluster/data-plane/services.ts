// Kubernetes Services for the pods this node runs: what kube-controller-manager's endpoints
// controller and kube-proxy with cluster DNS would do.
//  - Endpoints: for every Service with a selector, its matching pods, ready ones under `addresses`
//    and the others under `notReadyAddresses`, with the Service's target ports resolved against the
//    pods' container ports. Knative Eventing decides readiness from them (a Broker needs endpoints
//    behind broker-ingress and broker-filter, an InMemoryChannel behind imc-dispatcher). The
//    addresses are placeholders from 192.0.2.0/24 (TEST-NET-1): every pod here is on the host
//    network at 127.0.0.1, which the API server refuses in Endpoints; `targetRef` names the pod.
//  - Routing: `<service>.<namespace>[.svc[.cluster.local]][:port]` → a ready pod's host port for
//    that Service port (round-robin), following ExternalName Services to their target. The
//    ingress uses it for hosts no KIngress names, so HTTP_PROXY clients (Eventing's ingress,
//    filter, dispatcher and adapters) reach cluster Services.
import {informer, KeyedQueue, KubeError, log, request, getOrUndefined, type KubeObject} from './kube.js';
import {HOST_PORTS_ANNOTATION, NODE_NAME} from './node.js';

const C = 'services';
const CLUSTER_DOMAIN = 'svc.cluster.local';
const MANAGED_BY = 'fn-testenv-data-plane';

const services = new Map<string, KubeObject>(); // ns/name
const pods = new Map<string, KubeObject>(); // uid
const rr = new Map<string, number>();
const synced = {services: false, pods: false};

const podReady = (p: KubeObject) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;
const selects = (selector: Record<string, string>, p: KubeObject) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v);

function selected(svc: KubeObject): KubeObject[] {
  const selector = svc.spec?.selector as Record<string, string> | undefined;
  if (!selector || !Object.keys(selector).length) return [];
  return [...pods.values()].filter(
    (p) => p.metadata.namespace === svc.metadata.namespace && !p.metadata.deletionTimestamp && p.spec?.nodeName === NODE_NAME && selects(selector, p),
  );
}

/** The container port a Service port's targetPort means in this pod (a name is looked up). */
function containerPort(svcPort: any, pod: KubeObject): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(String(target))) return Number(target);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
  return undefined;
}

// ------------------------------------------------------------------ Endpoints

const placeholders = new Map<string, string>(); // pod uid → 192.0.2.x
let nextPlaceholder = 0;
function placeholder(uid: string): string {
  let ip = placeholders.get(uid);
  if (!ip) {
    ip = `192.0.2.${(nextPlaceholder++ % 254) + 1}`;
    placeholders.set(uid, ip);
  }
  return ip;
}

function desiredEndpoints(svc: KubeObject): object {
  const backing = selected(svc);
  const address = (p: KubeObject) => ({
    ip: placeholder(p.metadata.uid!),
    nodeName: NODE_NAME,
    targetRef: {kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid},
  });
  const ports = (svc.spec?.ports ?? [])
    .map((sp: any) => {
      const port = backing.map((p) => containerPort(sp, p)).find((n) => n !== undefined);
      return port === undefined ? undefined : {...(sp.name ? {name: sp.name} : {}), port, protocol: sp.protocol ?? 'TCP'};
    })
    .filter(Boolean);
  const ready = backing.filter(podReady).map(address);
  const notReady = backing.filter((p) => !podReady(p)).map(address);
  const subsets = backing.length && ports.length ? [{...(ready.length ? {addresses: ready} : {}), ...(notReady.length ? {notReadyAddresses: notReady} : {}), ports}] : [];
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {name: svc.metadata.name, namespace: svc.metadata.namespace, labels: {'endpoints.kubernetes.io/managed-by': MANAGED_BY}},
    subsets,
  };
}

const written = new Map<string, string>(); // ns/name → JSON of the subsets last written
const endpointsQueue = new KeyedQueue<KubeObject>(C, async (key, svc) => {
  if (!services.has(key)) return;
  const want = desiredEndpoints(svc) as any;
  const json = JSON.stringify(want.subsets);
  if (written.get(key) === json) return;
  const path = `/api/v1/namespaces/${svc.metadata.namespace}/endpoints/${svc.metadata.name}`;
  const have = await getOrUndefined(path);
  if (!have) await request('POST', `/api/v1/namespaces/${svc.metadata.namespace}/endpoints`, want);
  else await request('PUT', path, {...want, metadata: {...have.metadata, labels: {...have.metadata.labels, ...want.metadata.labels}}});
  written.set(key, json);
});

function reconcileAll(): void {
  if (!synced.services || !synced.pods) return;
  for (const [key, svc] of services) if (svc.spec?.selector && Object.keys(svc.spec.selector).length) endpointsQueue.push(key, svc);
}

function onService(type: string, svc: KubeObject): void {
  const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
  if (type === 'DELETED') {
    services.delete(key);
    // As the endpoints controller does: the Service's Endpoints go with it.
    if (written.delete(key)) {
      void request('DELETE', `/api/v1/namespaces/${svc.metadata.namespace}/endpoints/${svc.metadata.name}`).catch((e) => {
        if (!(e instanceof KubeError && e.code === 404)) log(C, `${key}: ${e.message}`);
      });
    }
    return;
  }
  services.set(key, svc);
  if (synced.pods && svc.spec?.selector && Object.keys(svc.spec.selector).length) endpointsQueue.push(key, svc);
}

function onPod(type: string, pod: KubeObject): void {
  if (type === 'DELETED') {
    pods.delete(pod.metadata.uid!);
    placeholders.delete(pod.metadata.uid!);
  } else pods.set(pod.metadata.uid!, pod);
  if (!synced.services) return;
  for (const [key, svc] of services) {
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    if (svc.metadata.namespace === pod.metadata.namespace && selector && Object.keys(selector).length && selects(selector, pod)) endpointsQueue.push(key, svc);
  }
}

// ------------------------------------------------------------------ routing

/** `name.ns`, `name.ns.svc` or `name.ns.svc.cluster.local` → [ns, name]. */
function parseHost(host: string): [string, string] | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const suffix of [`.${CLUSTER_DOMAIN}`, '.svc', '']) {
    if (suffix && !h.endsWith(suffix)) continue;
    const parts = h.slice(0, h.length - suffix.length).split('.');
    if (parts.length === 2 && parts.every(Boolean)) return [parts[1], parts[0]];
  }
  return undefined;
}

export type Backend = {port: number} | {error: string};

/** The host port a request to `host:port` reaches, or why none does. */
export function serviceBackend(host: string, port: number, depth = 0): Backend | undefined {
  const parsed = parseHost(host);
  if (!parsed) return undefined;
  const [ns, name] = parsed;
  const svc = services.get(`${ns}/${name}`);
  if (!svc) return undefined;
  if (svc.spec?.type === 'ExternalName') {
    const target = String(svc.spec.externalName ?? '');
    if (depth > 4) return {error: `Service ${ns}/${name}: too many ExternalName hops`};
    return serviceBackend(target, port, depth + 1) ?? {error: `Service ${ns}/${name} is an ExternalName for ${target}, which is no Service here`};
  }
  const svcPorts: any[] = svc.spec?.ports ?? [];
  const svcPort = svcPorts.find((p) => p.port === port) ?? (svcPorts.length === 1 ? svcPorts[0] : undefined);
  if (!svcPort) return {error: `Service ${ns}/${name} has no port ${port}`};
  const candidates = selected(svc)
    .filter(podReady)
    .map((p) => {
      const hostPorts = JSON.parse(p.metadata.annotations?.[HOST_PORTS_ANNOTATION] ?? '{}') as Record<string, number>;
      const cp = containerPort(svcPort, p);
      return cp === undefined ? undefined : hostPorts[cp];
    })
    .filter((n): n is number => !!n);
  if (!candidates.length) return {error: `Service ${ns}/${name} has no ready endpoint for port ${svcPort.port}`};
  const key = `${ns}/${name}:${svcPort.port}`;
  const i = (rr.get(key) ?? 0) % candidates.length;
  rr.set(key, i + 1);
  return {port: candidates[i]};
}

export function startServices(): void {
  void informer('/api/v1/services', {}, onService, (all) => {
    const alive = new Set(all.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
    for (const key of [...services.keys()]) if (!alive.has(key)) services.delete(key);
    synced.services = true;
    reconcileAll();
  });
  void informer('/api/v1/pods', {}, onPod, (all) => {
    const alive = new Set(all.map((p) => p.metadata.uid));
    for (const uid of [...pods.keys()]) if (!alive.has(uid)) pods.delete(uid);
    synced.pods = true;
    reconcileAll();
  });
  log(C, 'following Services: Endpoints from the pods they select, routing for <service>.<namespace>.svc hosts');
}

