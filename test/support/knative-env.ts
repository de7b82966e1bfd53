// The local Kubernetes + Knative control plane (test/cluster/up.sh) for e2e tests: where its
// kubeconfig is, a namespace per test, raw reads of what Knative reports, and a kubeconfig for a
// user with no rights (RBAC denial). Fails with the command to run when the control plane is missing.
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as k8s from '@kubernetes/client-node';

export const DOMAIN = process.env.FN_TESTENV_DOMAIN ?? 'example.test';
export {digest, missingImage} from './test-image.js';

export function kubeconfigPath(): string {
  const fromEnv = process.env.KUBECONFIG?.split(':')[0];
  const path = fromEnv || join(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv', 'kubeconfig');
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist: start the local control plane with test/cluster/up.sh (or set KUBECONFIG)`);
  }
  return path;
}

/** Environment for running fn against the test cluster. */
export function clusterEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {KUBECONFIG: kubeconfigPath(), ...extra};
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: {name: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: unknown[]};
  spec?: any;
  status?: any;
}

export class TestCluster {
  readonly kc = new k8s.KubeConfig();
  readonly core: k8s.CoreV1Api;
  readonly rbac: k8s.RbacAuthorizationV1Api;
  readonly custom: k8s.CustomObjectsApi;
  private readonly namespaces: string[] = [];

  constructor() {
    this.kc.loadFromFile(kubeconfigPath());
    this.core = this.kc.makeApiClient(k8s.CoreV1Api);
    this.rbac = this.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    this.custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
  }

  /** A fresh namespace (deleted by cleanup()). */
  async namespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
    const name = `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.slice(0, 63);
    await this.core.createNamespace({body: {metadata: {name, labels}}});
    this.namespaces.push(name);
    return name;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.namespaces.map((name) => this.core.deleteNamespace({name}).catch(() => undefined)));
  }

  async get(plural: string, namespace: string, name: string): Promise<KObject | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({group: 'serving.knative.dev', version: 'v1', namespace, plural, name})) as KObject;
    } catch (e: any) {
      if (e?.code === 404) return undefined;
      throw e;
    }
  }

  /** A merge patch by another field manager (as `kubectl edit` or another tool would write). */
  async mergePatch(plural: string, namespace: string, name: string, body: object, fieldManager: string): Promise<KObject> {
    return (await this.custom.patchNamespacedCustomObject(
      {group: 'serving.knative.dev', version: 'v1', namespace, plural, name, body, fieldManager},
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as KObject;
  }

  async list(plural: string, namespace: string, labelSelector?: string): Promise<KObject[]> {
    const list = (await this.custom.listNamespacedCustomObject({group: 'serving.knative.dev', version: 'v1', namespace, plural, labelSelector})) as {items: KObject[]};
    return list.items;
  }

  /** The object holding the traffic: the Service, or the standalone Route. */
  trafficHolder(routing: string, namespace: string, name: string): Promise<KObject | undefined> {
    return this.get(routing === 'route' ? 'routes' : 'services', namespace, name);
  }

  /**
   * A kubeconfig for a ServiceAccount of `namespace` (token from the TokenRequest API). With no
   * `verbs` it may do nothing; with verbs it gets a Role on Knative's serving objects for just those.
   */
  async serviceAccountKubeconfig(namespace: string, name: string, verbs: string[] = []): Promise<string> {
    await this.core.createNamespacedServiceAccount({namespace, body: {metadata: {name}}});
    if (verbs.length) {
      await this.rbac.createNamespacedRole({namespace, body: {metadata: {name}, rules: [{apiGroups: ['serving.knative.dev'], resources: ['services', 'configurations', 'routes', 'revisions'], verbs}]}});
      await this.rbac.createNamespacedRoleBinding({
        namespace,
        body: {metadata: {name}, roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name}, subjects: [{kind: 'ServiceAccount', name, namespace}]},
      });
    }
    const request = await this.core.createNamespacedServiceAccountToken({name, namespace, body: {spec: {audiences: [], expirationSeconds: 3600}}});
    const cluster = this.kc.getCurrentCluster()!;
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{name: 'test', cluster: {server: cluster.server, 'certificate-authority-data': cluster.caData}}],
      users: [{name, user: {token: request.status!.token}}],
      contexts: [{name, context: {cluster: 'test', user: name, namespace}}],
      'current-context': name,
    };
    const file = join(mkdtempSync(join(tmpdir(), `fn-${name}-`)), 'kubeconfig');
    writeFileSync(file, JSON.stringify(config));
    return file;
  }

  /** A kubeconfig whose server nobody listens on. */
  unreachableKubeconfig(): string {
    const dir = mkdtempSync(join(tmpdir(), 'fn-unreachable-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{name: 'gone', cluster: {server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true}}],
        users: [{name: 'u', user: {token: 'x'}}],
        contexts: [{name: 'gone', context: {cluster: 'gone', user: 'u'}}],
        'current-context': 'gone',
      }),
    );
    return file;
  }
}

export function condition(o: KObject | undefined, type: string): {status: string; reason?: string; message?: string} | undefined {
  return o?.status?.conditions?.find((c: {type: string}) => c.type === type);
}
