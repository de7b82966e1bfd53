// Where the cluster's ingress listens for a function, found the way Knative publishes it: the
// function's KIngress (named after its Route) has status.{public,private}LoadBalancer.ingress[0] with
// an ip, a domain, or a domainInternal naming the ingress Service, whose status.loadBalancer carries
// the external IP/hostname. Users who may not read KIngress objects get the well-known ingress
// Services of Kourier, Istio and Contour instead. Every read failure is "not found here": the caller
// falls through to the next source and, in the end, to an error that says which flag to set.
import type {IngressAddress} from '../../core/ingress-address.js';
import type {KubeHttp} from './kube-http.js';

interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  domain?: string;
  domainInternal?: string;
}
interface KIngress {
  status?: {publicLoadBalancer?: {ingress?: LoadBalancerIngress[]}; privateLoadBalancer?: {ingress?: LoadBalancerIngress[]}};
}
interface ServicePort {
  name?: string;
  port: number;
}
interface CoreService {
  spec?: {ports?: ServicePort[]; externalIPs?: string[]};
  status?: {loadBalancer?: {ingress?: Array<{ip?: string; hostname?: string}>}};
}

/** Ingress Services of the common Knative networking layers, tried when KIngress says nothing. */
export const WELL_KNOWN_INGRESS_SERVICES = [
  {namespace: 'kourier-system', name: 'kourier'},
  {namespace: 'istio-system', name: 'istio-ingressgateway'},
  {namespace: 'contour-external', name: 'envoy'},
] as const;

const KINGRESS = '/apis/networking.internal.knative.dev/v1alpha1';

async function readOrUndefined<T>(kube: KubeHttp, path: string): Promise<T | undefined> {
  try {
    return await kube.request<T>('GET', path);
  } catch {
    return undefined;
  }
}

/** The port that serves this scheme: named http/https (or 80/443), else the first. */
export function servicePort(ports: ServicePort[] | undefined, secure: boolean): number | undefined {
  if (!ports?.length) return undefined;
  const wanted = secure ? [/^https/, 443] : [/^http(?!s)/, 80];
  return (ports.find((p) => (wanted[0] as RegExp).test(p.name ?? '')) ?? ports.find((p) => p.port === wanted[1]) ?? ports[0]).port;
}

/** status.loadBalancer → an address, with the Service's port for the scheme. */
export function addressOfService(service: CoreService | undefined, secure: boolean, source: string): IngressAddress | undefined {
  const lb = service?.status?.loadBalancer?.ingress?.find((i) => i.ip || i.hostname);
  const host = lb?.ip ?? lb?.hostname ?? service?.spec?.externalIPs?.[0];
  const port = servicePort(service?.spec?.ports, secure);
  return host && port ? {host, port, source} : undefined;
}

/** "name.namespace.svc.cluster.local" (or "name.namespace.svc") → the Service it names. */
export function serviceOfDomain(domain: string): {name: string; namespace: string} | undefined {
  const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.[a-z0-9.-]+)?$/.exec(domain);
  return match ? {name: match[1], namespace: match[2]} : undefined;
}

export async function discoverIngress(kube: KubeHttp, fn: {namespace: string; route: string; url: string}): Promise<IngressAddress | undefined> {
  const url = new URL(fn.url);
  const secure = url.protocol === 'https:';
  // Cluster-local hosts are served by the private load balancer.
  const local = /\.svc(\.|$)/.test(url.hostname);
  const kingress = await readOrUndefined<KIngress>(kube, `${KINGRESS}/namespaces/${encodeURIComponent(fn.namespace)}/ingresses/${encodeURIComponent(fn.route)}`);
  const balancer = (local ? kingress?.status?.privateLoadBalancer : kingress?.status?.publicLoadBalancer)?.ingress?.[0];
  const via = `KIngress ${fn.namespace}/${fn.route}`;
  if (balancer?.ip) return {host: balancer.ip, port: secure ? 443 : 80, source: via};
  const internal = balancer?.domainInternal ? serviceOfDomain(balancer.domainInternal) : undefined;
  if (internal) {
    const service = await readOrUndefined<CoreService>(kube, `/api/v1/namespaces/${internal.namespace}/services/${internal.name}`);
    const found = addressOfService(service, secure, `${via} → Service ${internal.namespace}/${internal.name}`);
    if (found) return found;
  }
  // An external domain is only worth trying when it is not the function's own (unresolved) host.
  if (balancer?.domain && balancer.domain !== url.hostname) return {host: balancer.domain, port: secure ? 443 : 80, source: via};
  for (const known of WELL_KNOWN_INGRESS_SERVICES) {
    const service = await readOrUndefined<CoreService>(kube, `/api/v1/namespaces/${known.namespace}/services/${known.name}`);
    const found = addressOfService(service, secure, `Service ${known.namespace}/${known.name}`);
    if (found) return found;
  }
  return undefined;
}
