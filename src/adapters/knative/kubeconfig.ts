// Reads plain kubeconfigs (client certificates, tokens, token files, basic auth) and in-cluster
// config without @kubernetes/client-node: importing that library loads ~2,500 generated modules,
// 0.5–2 s of every command. Kubeconfigs that need its machinery (exec or auth-provider plugins,
// proxy-url) are reported as such and kube-http.ts loads the library for them.
import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {delimiter, dirname, isAbsolute, join} from 'node:path';
import {parse} from 'yaml';
import {FnError} from '../../core/errors.js';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface DirectConfig {
  kind: 'direct';
  server: string;
  contextName: string;
  namespace: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  headers: Record<string, string>;
}
/** The kubeconfig needs client-node (plugins, proxies): load it with the library. */
export interface PluginConfig {
  kind: 'plugin';
}

interface RawCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}
interface RawUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}
interface RawContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

function kubeconfigFiles(): string[] {
  if (process.env.KUBECONFIG) return process.env.KUBECONFIG.split(delimiter).filter((f) => f && existsSync(f));
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/** kubectl's merge: the first file to name a cluster, user, context or current-context wins. */
function merged(files: string[]) {
  const clusters = new Map<string, {value: RawCluster; dir: string}>();
  const users = new Map<string, {value: RawUser; dir: string}>();
  const contexts = new Map<string, RawContext>();
  let current: string | undefined;
  for (const file of files) {
    let doc: any;
    try {
      doc = parse(readFileSync(file, 'utf8')) ?? {};
    } catch (e) {
      throw new FnError('INVALID_KUBECONFIG', 'clusterUnreachable', `the kubeconfig ${file} cannot be read: ${(e as Error).message.split('\n')[0]}`, {
        cause: e,
        suggestion: 'fix the file, or point KUBECONFIG at another one',
      });
    }
    const dir = dirname(file);
    for (const c of doc.clusters ?? []) if (c?.name && !clusters.has(c.name)) clusters.set(c.name, {value: c.cluster ?? {}, dir});
    for (const u of doc.users ?? []) if (u?.name && !users.has(u.name)) users.set(u.name, {value: u.user ?? {}, dir});
    for (const c of doc.contexts ?? []) if (c?.name && !contexts.has(c.name)) contexts.set(c.name, c.context ?? {});
    current ??= doc['current-context'] || undefined;
  }
  return {clusters, users, contexts, current};
}

function fileOrData(data: string | undefined, file: string | undefined, dir: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(isAbsolute(file) ? file : join(dir, file));
  return undefined;
}

function inCluster(): DirectConfig | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  if (!host || !existsSync(join(SERVICE_ACCOUNT, 'token'))) return undefined;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const namespaceFile = join(SERVICE_ACCOUNT, 'namespace');
  return {
    kind: 'direct',
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    contextName: 'in-cluster',
    namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : 'default',
    ca: readFileSync(join(SERVICE_ACCOUNT, 'ca.crt')),
    headers: {Authorization: `Bearer ${readFileSync(join(SERVICE_ACCOUNT, 'token'), 'utf8').trim()}`},
  };
}

/** The selected context of the kubeconfig (KUBECONFIG, ~/.kube/config) or the in-cluster config. */
export function loadKubeconfig(selection: {context?: string}): DirectConfig | PluginConfig {
  const files = kubeconfigFiles();
  if (files.length === 0) {
    const pod = selection.context ? undefined : inCluster();
    if (pod) return pod;
    throw new FnError('NO_KUBECONFIG', 'clusterUnreachable', `no Kubernetes configuration found (${process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG} names no file that exists` : '~/.kube/config, KUBECONFIG'}, or an in-cluster service account)`, {
      suggestion: "set KUBECONFIG to your cluster's kubeconfig file, or run inside a pod with a service account",
    });
  }
  const {clusters, users, contexts, current} = merged(files);
  const names = [...contexts.keys()];
  const contextName = selection.context ?? current;
  if (selection.context && !contexts.has(selection.context)) {
    throw new FnError('UNKNOWN_CONTEXT', 'usage', `--context "${selection.context}" is not in the kubeconfig. Contexts: ${names.join(', ') || '(none)'}`, {
      suggestion: names.length ? `use one of: ${names.join(', ')}` : 'add the context to your kubeconfig',
      details: {context: selection.context, contexts: names},
    });
  }
  const context = contextName ? contexts.get(contextName) : undefined;
  if (!contextName || !context) {
    throw new FnError('NO_CONTEXT', 'clusterUnreachable', `the kubeconfig has no current context${contextName ? ` ("${contextName}" is not defined)` : ''}`, {
      suggestion: names.length ? `pick one with --context (${names.join(', ')})` : 'add a context to the kubeconfig',
    });
  }
  const cluster = context.cluster ? clusters.get(context.cluster) : undefined;
  if (!cluster?.value.server) {
    throw new FnError('NO_CLUSTER', 'clusterUnreachable', `context "${contextName}" names no cluster with a server address`, {
      suggestion: 'pick a context with --context (kubectl config get-contexts)',
    });
  }
  const user = (context.user ? users.get(context.user) : undefined) ?? {value: {} as RawUser, dir: cluster.dir};
  if (user.value.exec || user.value['auth-provider'] || cluster.value['proxy-url']) return {kind: 'plugin'};

  const headers: Record<string, string> = {};
  const token = user.value.token ?? (user.value.tokenFile ? readFileSync(isAbsolute(user.value.tokenFile) ? user.value.tokenFile : join(user.dir, user.value.tokenFile), 'utf8').trim() : undefined);
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (user.value.username) headers.Authorization = `Basic ${Buffer.from(`${user.value.username}:${user.value.password ?? ''}`).toString('base64')}`;
  try {
    return {
      kind: 'direct',
      server: cluster.value.server,
      contextName,
      namespace: context.namespace || 'default',
      ca: fileOrData(cluster.value['certificate-authority-data'], cluster.value['certificate-authority'], cluster.dir),
      cert: fileOrData(user.value['client-certificate-data'], user.value['client-certificate'], user.dir),
      key: fileOrData(user.value['client-key-data'], user.value['client-key'], user.dir),
      ...(cluster.value['insecure-skip-tls-verify'] ? {rejectUnauthorized: false} : {}),
      ...(cluster.value['tls-server-name'] ? {servername: cluster.value['tls-server-name']} : {}),
      headers,
    };
  } catch (e) {
    throw new FnError('INVALID_KUBECONFIG', 'clusterUnreachable', `context "${contextName}": ${(e as Error).message}`, {
      cause: e,
      suggestion: 'check the certificate and key files the kubeconfig names',
    });
  }
}
