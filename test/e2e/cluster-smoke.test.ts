/**
 * Smoke test of the local Kubernetes + Knative Serving control plane (test/cluster/up.sh).
 * It checks that what fn relies on is really done by Knative: defaulting/validation by the
 * webhook, Revisions and Routes by the controller, traffic splits, tag URLs, conditions, and
 * that the harness's node reports what really happened to a revision's container (see
 * test/cluster/README.md).
 *
 * Needs a running control plane: `test/cluster/up.sh` (KUBECONFIG from the environment, else
 * ${FN_TESTENV_DIR:-/tmp/fn-testenv}/kubeconfig).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { digest, missingImage } from '../support/test-image.js';

const DOMAIN = process.env.FN_TESTENV_DOMAIN ?? 'example.test';
const SERVING = { group: 'serving.knative.dev', version: 'v1' } as const;
const DIGEST_A = digest('a1');
const DIGEST_B = digest('b2');

type KObj = { metadata: { name: string; generation?: number; resourceVersion?: string; [k: string]: unknown }; spec?: any; status?: any };
type Cond = { type: string; status: string; reason?: string; message?: string };

function kubeconfigPath(): string {
  const fromEnv = process.env.KUBECONFIG;
  if (fromEnv) {
    const first = fromEnv.split(':')[0];
    if (!existsSync(first)) throw new Error(`KUBECONFIG=${fromEnv} does not exist; start the control plane with test/cluster/up.sh`);
    return first;
  }
  const p = join(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv', 'kubeconfig');
  if (!existsSync(p)) {
    throw new Error(`No KUBECONFIG set and ${p} does not exist: start the local control plane with test/cluster/up.sh`);
  }
  return p;
}

const kc = new k8s.KubeConfig();
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
const ns = `fn-smoke-${Date.now().toString(36)}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const condition = (o: KObj | undefined, type: string): Cond | undefined =>
  (o?.status?.conditions as Cond[] | undefined)?.find((c) => c.type === type);

/** The API server's (or the webhook's) message from a client-node 1.x ApiException. */
function apiMessage(e: any): string {
  const body = e?.body;
  if (typeof body === 'string') {
    try { return JSON.parse(body).message ?? body; } catch { return body; }
  }
  return body?.message ?? e?.message ?? String(e);
}

const getKsvcObj = (plural: string, name: string) =>
  custom.getNamespacedCustomObject({ ...SERVING, namespace: ns, plural, name }) as Promise<KObj>;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = apiMessage(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `; last error: ${last}` : ''}`);
    await sleep(250);
  }
}

function ksvc(name: string, revision: string, image: string, extra: { annotations?: Record<string, string>; traffic?: unknown[] } = {}) {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: {
      template: {
        metadata: { name: revision, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
        spec: { containers: [{ image }] },
      },
      ...(extra.traffic ? { traffic: extra.traffic } : {}),
    },
  };
}

async function replaceKsvcSpec(name: string, mutate: (spec: any) => void): Promise<KObj> {
  const cur = await getKsvcObj('services', name);
  mutate(cur.spec);
  return (await custom.replaceNamespacedCustomObject({ ...SERVING, namespace: ns, plural: 'services', name, body: cur })) as KObj;
}

beforeAll(async () => {
  kc.loadFromFile(kubeconfigPath());
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: ns, labels: { 'fn.test/smoke': 'true' } } } });
});

afterAll(async () => {
  if (core) await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('local Knative control plane', () => {
  test('two revisions, 90/10 split with a tag: Knative resolves traffic, tag URL and Ready', async () => {
    await custom.createNamespacedCustomObject({ ...SERVING, namespace: ns, plural: 'services', body: ksvc('hello', 'hello-v1', DIGEST_A) });

    // The defaulting webhook ran: Knative filled in defaults we did not send.
    const created = await getKsvcObj('services', 'hello');
    expect(created.spec.template.spec.timeoutSeconds).toBe(300);
    expect(created.spec.traffic).toEqual([{ latestRevision: true, percent: 100 }]);

    await waitFor('hello-v1 Ready', async () => {
      const s = await getKsvcObj('services', 'hello');
      return condition(s, 'Ready')?.status === 'True' && s.status.latestReadyRevisionName === 'hello-v1' ? s : undefined;
    });

    const updated = await replaceKsvcSpec('hello', (spec) => {
      spec.template.metadata.name = 'hello-v2';
      spec.template.spec.containers[0].image = DIGEST_B;
      spec.traffic = [
        { revisionName: 'hello-v1', percent: 90 },
        { revisionName: 'hello-v2', percent: 10, tag: 'canary' },
      ];
    });

    const svc = await waitFor('90/10 split in status.traffic and Ready=True', async () => {
      const s = await getKsvcObj('services', 'hello');
      const ready = condition(s, 'Ready')?.status === 'True';
      return ready && s.status.observedGeneration === updated.metadata.generation && s.status.latestReadyRevisionName === 'hello-v2' ? s : undefined;
    });

    expect(svc.status.url).toBe(`http://hello.${ns}.${DOMAIN}`);
    expect(svc.status.traffic).toEqual([
      { revisionName: 'hello-v1', percent: 90, latestRevision: false },
      { revisionName: 'hello-v2', percent: 10, latestRevision: false, tag: 'canary', url: `http://canary-hello.${ns}.${DOMAIN}` },
    ]);
    for (const t of ['ConfigurationsReady', 'RoutesReady', 'Ready']) expect(condition(svc, t)?.status).toBe('True');

    // Objects created by Knative's reconcilers, not by us.
    const rev = await getKsvcObj('revisions', 'hello-v2');
    expect(rev.spec.containers[0].image).toBe(DIGEST_B);
    expect(condition(rev, 'Ready')?.status).toBe('True');
    const route = await getKsvcObj('routes', 'hello');
    expect(route.status.traffic).toEqual(svc.status.traffic);
  }, 120_000);

  test('the validating webhook rejects traffic that does not sum to 100', async () => {
    let err: unknown;
    try {
      await replaceKsvcSpec('hello', (spec) => {
        spec.traffic = [
          { revisionName: 'hello-v1', percent: 50 },
          { revisionName: 'hello-v2', percent: 40, tag: 'canary' },
        ];
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    expect((err as any).code).toBe(400);
    const msg = apiMessage(err);
    expect(msg).toContain('admission webhook "validation.webhook.serving.knative.dev" denied the request');
    expect(msg).toContain('Traffic targets sum to 90, want 100');
  }, 30_000);

  test('the node reports a container that exits (exit code, last log lines) and an image that cannot be pulled', async () => {
    const crashing = digest('a1', { exitCode: 3, message: 'boom at import time' });
    await custom.createNamespacedCustomObject({ ...SERVING, namespace: ns, plural: 'services', body: ksvc('broken', 'broken-v1', crashing) });
    const userStatus = async (revision: string) => {
      const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: `serving.knative.dev/revision=${revision}` });
      return pods.items[0]?.status?.containerStatuses?.find((c) => c.name === 'user-container');
    };
    const crashed = await waitFor('broken-v1 to have crashed', async () => {
      const c = await userStatus('broken-v1');
      return c?.lastState?.terminated ? c : undefined;
    });
    expect(crashed.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(crashed.lastState?.terminated?.message).toContain('boom at import time');
    expect(crashed.restartCount).toBeGreaterThanOrEqual(1);

    await custom.createNamespacedCustomObject({ ...SERVING, namespace: ns, plural: 'services', body: ksvc('unpullable', 'unpullable-v1', missingImage()) });
    const waiting = await waitFor('unpullable-v1 to wait for its image', async () => {
      const c = await userStatus('unpullable-v1');
      return c?.state?.waiting?.reason === 'ErrImagePull' || c?.state?.waiting?.reason === 'ImagePullBackOff' ? c : undefined;
    });
    expect(waiting.state?.waiting?.message).toContain('manifest unknown');
    expect(waiting.ready).toBe(false);
  }, 120_000);

  test('deleting a Service cascades to its Revisions (garbage collector)', async () => {
    await custom.deleteNamespacedCustomObject({ ...SERVING, namespace: ns, plural: 'services', name: 'broken', propagationPolicy: 'Background' });
    await waitFor('Revision broken-v1 to be garbage-collected', async () => {
      try {
        await getKsvcObj('revisions', 'broken-v1');
        return undefined;
      } catch (e: any) {
        if (e?.code === 404) return true;
        throw e;
      }
    });
    // The other Service is untouched.
    expect(condition(await getKsvcObj('services', 'hello'), 'Ready')?.status).toBe('True');
  }, 90_000);
});
