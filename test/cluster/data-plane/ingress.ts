// An ingress that follows Knative's KIngress objects (networking.internal.knative.dev/v1alpha1),
// as net-kourier or net-contour would: an HTTP proxy on a dedicated loopback address that routes by
// Host (and path and header matches) to the ready pods of each split's revision, with the splits'
// weights and appendHeaders. A KIngress is marked Ready only once the proxy serves its generation.
// Its address is published the way a real cluster publishes one: KIngress status names the ingress
// Service (domainInternal), whose status.loadBalancer carries the IP.
// Requests in absolute form (`GET http://host/path`, as HTTP_PROXY clients send) are routed too,
// and hosts no KIngress names route to Kubernetes Services (`<svc>.<ns>.svc.cluster.local`,
// services.ts): the proxy is how cluster-local traffic (Knative Eventing's) finds its pods.
import http from 'node:http';
import {informer, KeyedQueue, log, mergePatch, nowTime, request, getOrUndefined, KubeError, type KubeObject} from './kube.js';
import {HOST_PORT_ANNOTATION} from './node.js';
import {serviceBackend} from './services.js';

const C = 'ingress';
const SERVICE_NAME = 'fn-testenv-ingress';
const SERVICE_NAMESPACE = 'knative-serving';
export const INGRESS_DOMAIN = `${SERVICE_NAME}.${SERVICE_NAMESPACE}.svc.cluster.local`;
/** How long a request waits for a revision's pod to become ready (the activator buffers like this). */
const BUFFER_MS = Number(process.env.FN_TESTENV_INGRESS_BUFFER_MS ?? 30_000);

interface Split {
  serviceName: string;
  serviceNamespace: string;
  percent: number;
  appendHeaders: Record<string, string>;
}
interface Path {
  path: string;
  headers: Record<string, string>; // exact matches
  rewriteHost?: string;
  appendHeaders: Record<string, string>;
  splits: Split[];
}
interface Rule {
  ingress: string; // ns/name, to drop its rules when it changes
  paths: Path[];
}

const hosts = new Map<string, Rule[]>(); // host → rules of every KIngress naming it
const ingresses = new Map<string, {generation?: number; hosts: string[]}>();
const endpoints = new Map<string, Map<string, number>>(); // ns/revision → pod uid → host port
const endpointWaiters = new Set<() => void>();
const rr = new Map<string, number>();

// ------------------------------------------------------------------ following KIngress

function load(ing: KubeObject): void {
  const key = `${ing.metadata.namespace}/${ing.metadata.name}`;
  unload(key);
  const names: string[] = [];
  for (const rule of ing.spec?.rules ?? []) {
    const paths: Path[] = (rule.http?.paths ?? []).map((p: any) => ({
      path: p.path || '/',
      headers: Object.fromEntries(Object.entries(p.headers ?? {}).map(([k, v]: [string, any]) => [k.toLowerCase(), v.exact ?? ''])),
      rewriteHost: p.rewriteHost,
      appendHeaders: p.appendHeaders ?? {},
      splits: (p.splits ?? []).map((s: any) => ({
        serviceName: s.serviceName,
        serviceNamespace: s.serviceNamespace ?? ing.metadata.namespace,
        percent: s.percent ?? 100,
        appendHeaders: s.appendHeaders ?? {},
      })),
    }));
    for (const host of rule.hosts ?? []) {
      const h = host.toLowerCase();
      names.push(h);
      hosts.set(h, [...(hosts.get(h) ?? []), {ingress: key, paths}]);
    }
  }
  ingresses.set(key, {generation: ing.metadata.generation, hosts: names});
}

function unload(key: string): void {
  for (const h of ingresses.get(key)?.hosts ?? []) {
    const rest = (hosts.get(h) ?? []).filter((r) => r.ingress !== key);
    if (rest.length) hosts.set(h, rest);
    else hosts.delete(h);
  }
  ingresses.delete(key);
}

const statusQueue = new KeyedQueue<KubeObject>(C, async (key, ing) => {
  const generation = ing.metadata.generation;
  if (ingresses.get(key)?.generation !== generation) return; // a newer one is being loaded
  if (ing.status?.observedGeneration === generation && ing.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) return;
  const lb = {ingress: [{domainInternal: INGRESS_DOMAIN}]};
  const now = nowTime();
  const conditions = ['LoadBalancerReady', 'NetworkConfigured', 'Ready'].map((type) => ({type, status: 'True', lastTransitionTime: now}));
  await mergePatch(`/apis/networking.internal.knative.dev/v1alpha1/namespaces/${ing.metadata.namespace}/ingresses/${ing.metadata.name}/status`, {
    status: {observedGeneration: generation, conditions, publicLoadBalancer: lb, privateLoadBalancer: lb},
  });
  log(C, `kingress ${key}: serving generation ${generation}`);
});

function onIngress(type: string, ing: KubeObject): void {
  const key = `${ing.metadata.namespace}/${ing.metadata.name}`;
  if (type === 'DELETED' || ing.metadata.deletionTimestamp) {
    unload(key);
    return;
  }
  if (ingresses.get(key)?.generation !== ing.metadata.generation) load(ing);
  // The routing table now serves this generation (loaded synchronously above): report it.
  statusQueue.push(key, ing);
}

// ------------------------------------------------------------------ endpoints: ready pods

function onPod(type: string, pod: KubeObject): void {
  const revision = pod.metadata.labels?.['serving.knative.dev/revision'];
  if (!revision) return;
  const key = `${pod.metadata.namespace}/${revision}`;
  const port = Number(pod.metadata.annotations?.[HOST_PORT_ANNOTATION]);
  const ready = pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
  const set = endpoints.get(key) ?? new Map<string, number>();
  if (type !== 'DELETED' && !pod.metadata.deletionTimestamp && ready && port) set.set(pod.metadata.uid!, port);
  else set.delete(pod.metadata.uid!);
  if (set.size) endpoints.set(key, set);
  else endpoints.delete(key);
  if (set.size) for (const w of [...endpointWaiters]) w();
}

async function endpointFor(namespace: string, revision: string): Promise<number | undefined> {
  const key = `${namespace}/${revision}`;
  const deadline = Date.now() + BUFFER_MS;
  for (;;) {
    const ports = [...(endpoints.get(key)?.values() ?? [])];
    if (ports.length) {
      const i = (rr.get(key) ?? 0) % ports.length;
      rr.set(key, i + 1);
      return ports[i];
    }
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, left);
      function done() {
        clearTimeout(t);
        endpointWaiters.delete(done);
        resolve();
      }
      endpointWaiters.add(done);
    });
  }
}

// ------------------------------------------------------------------ the proxy

function match(host: string, path: string, headers: http.IncomingHttpHeaders): Path | undefined {
  for (const rule of hosts.get(host) ?? []) {
    for (const p of rule.paths) {
      if (!path.startsWith(p.path)) continue;
      if (Object.entries(p.headers).every(([k, v]) => headers[k] === v)) return p;
    }
  }
  return undefined;
}

function pick(splits: Split[]): Split | undefined {
  const total = splits.reduce((sum, s) => sum + s.percent, 0);
  let r = Math.random() * total;
  for (const s of splits) {
    if ((r -= s.percent) < 0) return s;
  }
  return splits.at(-1);
}

function reply(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, {'content-type': 'text/plain; charset=utf-8', 'x-fn-testenv-ingress': 'true'}).end(`${text}\n`);
}

const agent = new http.Agent({keepAlive: true, maxSockets: 64});

async function proxy(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let hostHeader = req.headers.host ?? '';
  let path = req.url ?? '/';
  if (/^https?:\/\//i.test(path)) {
    const u = new URL(path);
    hostHeader = u.host;
    path = `${u.pathname}${u.search}`;
  }
  const host = hostHeader.toLowerCase().replace(/:\d+$/, '');
  const route = match(host, path, req.headers);
  if (!route) {
    const backend = serviceBackend(host, Number(hostHeader.match(/:(\d+)$/)?.[1] ?? 80));
    if (!backend) return reply(res, 404, `no KIngress rule and no Service for host "${host}"`);
    if ('error' in backend) return reply(res, 503, backend.error);
    return forward(req, res, backend.port, path, {...req.headers, host: hostHeader}, host);
  }
  const split = pick(route.splits);
  if (!split) return reply(res, 503, `no split for host "${host}"`);
  const port = await endpointFor(split.serviceNamespace, split.serviceName);
  if (!port) return reply(res, 503, `revision ${split.serviceNamespace}/${split.serviceName} has no ready pod`);
  const headers: http.OutgoingHttpHeaders = {...req.headers, ...route.appendHeaders, ...split.appendHeaders};
  headers.host = route.rewriteHost ?? hostHeader;
  forward(req, res, port, path, headers, `revision ${split.serviceName}`);
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, port: number, path: string, headers: http.OutgoingHttpHeaders, what: string): void {
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
  headers['x-forwarded-proto'] = 'http';
  delete headers['proxy-connection'];
  const upstream = http.request({host: '127.0.0.1', port, method: req.method, path, headers, agent}, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', (e) => {
    if (!res.headersSent) reply(res, 502, `${what}: ${e.message}`);
    else res.destroy();
  });
  req.pipe(upstream);
}

// ------------------------------------------------------------------ publishing the address

async function publish(ip: string, port: number): Promise<void> {
  const path = `/api/v1/namespaces/${SERVICE_NAMESPACE}/services/${SERVICE_NAME}`;
  const body = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: SERVICE_NAME, namespace: SERVICE_NAMESPACE, labels: {'app.kubernetes.io/name': 'fn-testenv-ingress'}},
    spec: {type: 'LoadBalancer', ports: [{name: 'http', port, targetPort: port, protocol: 'TCP'}]},
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const have = await getOrUndefined(path);
      if (!have) await request('POST', `/api/v1/namespaces/${SERVICE_NAMESPACE}/services`, body);
      else if (have.spec?.ports?.[0]?.port !== port) await mergePatch(path, {spec: body.spec});
      await mergePatch(`${path}/status`, {status: {loadBalancer: {ingress: [{ip, ipMode: 'VIP'}]}}});
      log(C, `published ${ip}:${port} as Service ${SERVICE_NAMESPACE}/${SERVICE_NAME} status.loadBalancer`);
      return;
    } catch (e) {
      // knative-serving does not exist until up.sh applies Knative.
      if (!(e instanceof KubeError && e.code === 404) || attempt > 600) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export async function startIngress(ip: string, port: number): Promise<void> {
  const server = http.createServer((req, res) => void proxy(req, res).catch((e) => reply(res, 502, String(e?.message ?? e))));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, resolve);
  });
  log(C, `listening on http://${ip}:${port}`);
  void informer('/api/v1/pods', {labelSelector: 'serving.knative.dev/revision'}, onPod, (all) => {
    // Pods deleted while the watch was down.
    const alive = new Set(all.map((p) => p.metadata.uid));
    for (const set of endpoints.values()) for (const uid of set.keys()) if (!alive.has(uid)) set.delete(uid);
  });
  void informer('/apis/networking.internal.knative.dev/v1alpha1/ingresses', {}, onIngress);
  void publish(ip, port).catch((e) => log(C, `publishing the address: ${e.message}`));
}
