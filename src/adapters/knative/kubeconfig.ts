// Reads kubeconfigs (client certificates, tokens, token files, basic auth, exec credential plugins,
// impersonation) and in-cluster config without @kubernetes/client-node: importing that library loads
// ~2,500 generated modules, 0.5–2 s of every command. Kubeconfigs that need its machinery
// (auth-provider plugins, proxy-url) are reported as such and kube-http.ts loads the library for them.
import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {delimiter, dirname, isAbsolute, join} from 'node:path';
// js-yaml (client-node's kubeconfig parser too), not `yaml`: 4-5x faster on a kubeconfig's long base64
// lines (a 6 KB kubeconfig: 0.7 ms against 3.4 ms, and 3 ms against 10 ms on the first parse).
import {load} from 'js-yaml';
import {FnError} from '../../core/errors.js';
import {EXEC_API_VERSIONS, INTERACTIVE_MODES, type ExecConfig} from './kube-credentials.js';

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
  /** Sent with every request: a fixed Authorization, impersonation (several Impersonate-Group lines: an array). */
  headers: Record<string, string | string[]>;
  /** The bearer token in headers came from this file: read it again after a 401. */
  tokenFile?: string;
  /** Credentials come from this plugin instead. */
  exec?: ExecConfig;
}
/** The kubeconfig needs client-node (auth-provider plugins, proxies): load it with the library. */
export interface PluginConfig {
  kind: 'plugin';
  /** Impersonation headers client-node does not send (it knows only `as`). */
  headers: Record<string, string | string[]>;
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
  as?: unknown;
  'as-uid'?: unknown;
  'as-groups'?: unknown;
  'as-user-extra'?: unknown;
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
      doc = load(readFileSync(file, 'utf8')) ?? {};
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
    // The kubelet rotates the projected token.
    tokenFile: join(SERVICE_ACCOUNT, 'token'),
  };
}

function invalidUser(userName: string, contextName: string, why: string, suggestion: string): FnError {
  return new FnError('INVALID_KUBECONFIG', 'clusterUnreachable', `user "${userName}" of context "${contextName}": ${why}`, {suggestion, details: {user: userName, context: contextName}});
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * `as`, `as-uid`, `as-groups`, `as-user-extra` → the Impersonate-* headers kubectl sends, so fn acts
 * as the identity the kubeconfig names (never silently as the caller's own).
 */
export function impersonationHeaders(user: RawUser, userName: string, contextName: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const bad = (field: string, accepted: string) => invalidUser(userName, contextName, `${field} must be ${accepted}`, `fix ${field} in the kubeconfig (kubectl config view --minify)`);
  if (user.as !== undefined && (typeof user.as !== 'string' || !user.as)) throw bad('as', 'a user name');
  if (user['as-uid'] !== undefined && typeof user['as-uid'] !== 'string') throw bad('as-uid', 'a string');
  if (user['as-groups'] !== undefined && !isStrings(user['as-groups'])) throw bad('as-groups', 'a list of group names');
  const extra = user['as-user-extra'];
  if (extra !== undefined && (typeof extra !== 'object' || extra === null || !Object.values(extra).every(isStrings))) throw bad('as-user-extra', 'a map of names to lists of strings');
  const groups = (user['as-groups'] as string[] | undefined) ?? [];
  const extras = Object.entries((extra ?? {}) as Record<string, string[]>);
  if (!user.as) {
    if (user['as-uid'] || groups.length || extras.length) {
      throw invalidUser(userName, contextName, 'as-uid, as-groups and as-user-extra need "as" (the user to impersonate)', 'add as: USER next to them in the kubeconfig, or remove them');
    }
    return headers;
  }
  headers['Impersonate-User'] = user.as as string;
  if (user['as-uid']) headers['Impersonate-Uid'] = user['as-uid'] as string;
  if (groups.length) headers['Impersonate-Group'] = groups;
  // Header names cannot carry every character of an extra's key: percent-encoded, as kubectl does.
  for (const [key, values] of extras) if (values.length) headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = values;
  return headers;
}

/** users[].user.exec → the plugin to run, checked as kubectl checks it. */
function execConfig(raw: unknown, userName: string, contextName: string, dir: string, cluster: RawCluster): ExecConfig {
  const exec = (raw ?? {}) as Record<string, unknown>;
  const bad = (why: string, suggestion = 'fix the user entry of the kubeconfig (kubectl config view --minify)') => invalidUser(userName, contextName, why, suggestion);
  if (typeof exec.command !== 'string' || !exec.command) throw bad('exec.command is missing');
  if (exec.args !== undefined && !isStrings(exec.args)) throw bad('exec.args must be a list of strings');
  const env: Record<string, string> = {};
  if (exec.env !== undefined && exec.env !== null) {
    if (!Array.isArray(exec.env)) throw bad('exec.env must be a list of {name, value}');
    for (const e of exec.env as Array<{name?: unknown; value?: unknown}>) {
      if (typeof e?.name !== 'string' || typeof e.value !== 'string') throw bad(`exec.env entry ${JSON.stringify(e)} needs a string name and value`);
      env[e.name] = e.value;
    }
  }
  const apiVersion = exec.apiVersion as ExecConfig['apiVersion'];
  if (!EXEC_API_VERSIONS.includes(apiVersion)) {
    throw bad(`exec.apiVersion ${JSON.stringify(exec.apiVersion ?? null)} is not supported; accepted: ${EXEC_API_VERSIONS.join(', ')}`, 'update the plugin and its kubeconfig entry (client.authentication.k8s.io/v1alpha1 was removed in Kubernetes 1.24)');
  }
  const mode = exec.interactiveMode as ExecConfig['interactiveMode'] | undefined;
  if (mode === undefined && apiVersion === 'client.authentication.k8s.io/v1') throw bad(`exec.interactiveMode is required with ${apiVersion}; accepted: ${INTERACTIVE_MODES.join(', ')}`);
  if (mode !== undefined && !INTERACTIVE_MODES.includes(mode)) throw bad(`exec.interactiveMode ${JSON.stringify(mode)} is not one of ${INTERACTIVE_MODES.join(', ')}`);
  // A relative command with a directory in it is relative to the kubeconfig file (kubectl's rule).
  const command = exec.command.includes('/') && !isAbsolute(exec.command) ? join(dir, exec.command) : exec.command;
  const ca = cluster['certificate-authority-data'] ?? (cluster['certificate-authority'] ? readFileSync(isAbsolute(cluster['certificate-authority']) ? cluster['certificate-authority'] : join(dir, cluster['certificate-authority'])).toString('base64') : undefined);
  return {
    command,
    args: (exec.args as string[] | undefined) ?? [],
    env,
    apiVersion,
    interactiveMode: mode ?? 'IfAvailable',
    ...(typeof exec.installHint === 'string' ? {installHint: exec.installHint} : {}),
    ...(exec.provideClusterInfo === true
      ? {
          cluster: {
            server: cluster.server,
            ...(cluster['tls-server-name'] ? {'tls-server-name': cluster['tls-server-name']} : {}),
            ...(cluster['insecure-skip-tls-verify'] ? {'insecure-skip-tls-verify': true} : {}),
            ...(ca ? {'certificate-authority-data': ca} : {}),
          },
        }
      : {}),
    user: userName,
    context: contextName,
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
  const userName = context.user ?? '';
  const headers = impersonationHeaders(user.value, userName, contextName);
  if (user.value['auth-provider'] || cluster.value['proxy-url']) return {kind: 'plugin', headers};

  try {
    const exec = user.value.exec ? execConfig(user.value.exec, userName, contextName, user.dir, cluster.value) : undefined;
    const tokenFile = !exec && !user.value.token && user.value.tokenFile ? (isAbsolute(user.value.tokenFile) ? user.value.tokenFile : join(user.dir, user.value.tokenFile)) : undefined;
    const token = exec ? undefined : (user.value.token ?? (tokenFile ? readFileSync(tokenFile, 'utf8').trim() : undefined));
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (!exec && user.value.username) headers.Authorization = `Basic ${Buffer.from(`${user.value.username}:${user.value.password ?? ''}`).toString('base64')}`;
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
      ...(tokenFile ? {tokenFile} : {}),
      ...(exec ? {exec} : {}),
    };
  } catch (e) {
    if (e instanceof FnError) throw e;
    throw new FnError('INVALID_KUBECONFIG', 'clusterUnreachable', `context "${contextName}": ${(e as Error).message}`, {
      cause: e,
      suggestion: 'check the certificate, key and token files the kubeconfig names',
    });
  }
}
