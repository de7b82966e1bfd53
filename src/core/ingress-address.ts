// How fn reaches a deployed function's URL. On a fresh kind/minikube cluster the Knative domain
// (hello.default.example.com) resolves nowhere, yet the cluster's ingress answers for it at some
// address: so fn sends the request to that address with the function's Host header. This module is
// the one rule for which address, used by `fn invoke --target remote` and the rollout's health gate.
// Pure: the DNS lookup and the cluster discovery are passed in.
import {isIP} from 'node:net';
import {FnError} from './errors.js';

/** Where to open the TCP connection: the ingress, not the URL's host. */
export interface IngressAddress {
  host: string;
  port: number;
  /** How it was found, for --verbose and error messages (e.g. "--ingress", "KIngress hello → kourier-system/kourier"). */
  source: string;
}

/** The URL to send to, and, when its host does not resolve, the ingress to connect to instead. */
export interface FunctionEndpoint {
  url: string;
  via?: IngressAddress;
}

export interface ReachLookups {
  /** --ingress, else FN_INGRESS: wins over everything, as the user said so. */
  explicit?: {value: string; source: '--ingress' | 'FN_INGRESS'};
  /** Whether the host has an address (DNS or /etc/hosts). */
  resolves(host: string): Promise<boolean>;
  /** The ingress the cluster publishes for this function; undefined when none is found. */
  discover(): Promise<IngressAddress | undefined>;
}

export const INGRESS_ENV = 'FN_INGRESS';

/**
 * "HOST", "HOST:PORT", "[IPv6]:PORT" → host and port. Without a port, the URL's scheme decides (80 or
 * 443), so `--ingress 192.168.49.2` works for http and https alike.
 */
export function parseIngressAddress(value: string, source: string, defaultPort = 80): IngressAddress {
  const text = value.trim();
  const fail = (): never => {
    throw new FnError('INVALID_INGRESS', 'usage', `${source} ${JSON.stringify(value)} is not HOST[:PORT]`, {
      suggestion: `pass the ingress address, e.g. ${source === INGRESS_ENV ? `${INGRESS_ENV}=` : '--ingress '}192.168.49.2:80 (kubectl get svc -A | grep LoadBalancer shows it)`,
    });
  };
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    [, host, portText] = bracketed;
    if (isIP(host) !== 6) fail();
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const plain = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
    if (!plain) return fail();
    [, host, portText] = plain;
    if (!host || host.startsWith('.') || host.endsWith('-')) fail();
  }
  const port = portText === undefined ? defaultPort : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail();
  return {host: host!, port, source};
}

function defaultPortOf(url: URL): number {
  return url.protocol === 'https:' ? 443 : 80;
}

/** Hosts that need no ingress: IP literals and localhost. */
function isLiteral(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 || bare === 'localhost' || bare.endsWith('.localhost');
}

/**
 * The rule: --ingress / FN_INGRESS first; else a host that resolves is used directly (nothing changes
 * for a cluster with real DNS); else the ingress the cluster publishes; else an error naming the host
 * and the two ways to say where the ingress is.
 */
export async function reachFunction(target: string, lookups: ReachLookups): Promise<FunctionEndpoint> {
  const url = new URL(target);
  if (lookups.explicit) {
    return {url: target, via: parseIngressAddress(lookups.explicit.value, lookups.explicit.source, defaultPortOf(url))};
  }
  if (isLiteral(url.hostname) || (await lookups.resolves(url.hostname))) return {url: target};
  const found = await lookups.discover();
  if (found) return {url: target, via: found};
  throw new FnError('NO_INGRESS', 'noIngress', `${url.hostname} does not resolve, and the cluster publishes no ingress address for it (no KIngress status with a load balancer, no known ingress Service with an external IP)`, {
    suggestion: `tell fn where the cluster's ingress listens: --ingress HOST[:PORT] or ${INGRESS_ENV}=HOST[:PORT] (e.g. the EXTERNAL-IP of kubectl get svc -n kourier-system kourier), or add ${url.hostname} to DNS`,
    details: {host: url.hostname},
  });
}

/** The explicit address from the flag, else the environment (which the flag reads too: ui/flags.ts withEnv). */
export function explicitIngress(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ReachLookups['explicit'] {
  if (flag) return {value: flag, source: flag === env[INGRESS_ENV] ? INGRESS_ENV : '--ingress'};
  const fromEnv = env[INGRESS_ENV];
  return fromEnv ? {value: fromEnv, source: INGRESS_ENV} : undefined;
}

/** Where a request goes, for progress output: "http://hello… via 127.77.0.1:80 (--ingress)". */
export function describeEndpoint(endpoint: FunctionEndpoint): string {
  if (!endpoint.via) return endpoint.url;
  const host = isIP(endpoint.via.host) === 6 ? `[${endpoint.via.host}]` : endpoint.via.host;
  return `${endpoint.url} via ${host}:${endpoint.via.port} (${endpoint.via.source})`;
}
