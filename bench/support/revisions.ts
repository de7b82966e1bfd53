// Many revisions of one function, made straight through the API for the `revisions` listings of the
// deploy and kn benchmarks: no pod for each (initial scale 0), they only need to exist and be Ready.
import type {TestCluster} from '../../test/support/knative-env.js';

/** Creates revisions hello-bench-NNNNN for each n in `numbers` under the Configuration `hello`, 8 at a time. */
export async function createRevisions(cluster: TestCluster, namespace: string, numbers: number[], image: string, labels: Record<string, string> = {}): Promise<void> {
  // Knative's webhook wants the configuration label to match an owner reference to it.
  const configuration = (await cluster.get('configurations', namespace, 'hello')) as {metadata: {uid?: string}} | undefined;
  const owner = {apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', name: 'hello', uid: configuration?.metadata.uid};
  const queue = [...numbers];
  const worker = async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      await cluster.custom.createNamespacedCustomObject({
        group: 'serving.knative.dev',
        version: 'v1',
        namespace,
        plural: 'revisions',
        body: {
          apiVersion: 'serving.knative.dev/v1',
          kind: 'Revision',
          metadata: {
            name: `hello-bench-${String(n).padStart(5, '0')}`,
            labels: {'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/configurationGeneration': String(n), ...labels},
            annotations: {'autoscaling.knative.dev/initial-scale': '0'},
            ownerReferences: [owner],
          },
          spec: {containers: [{image}]},
        },
      });
    }
  };
  await Promise.all(Array.from({length: 8}, worker));
}

/**
 * Until `count` revisions of `hello` are Ready across the namespaces (or `boundMs` passed), then 5 s
 * more: the timings after it measure the tools, not a control plane still creating Deployments.
 */
export async function settleRevisions(cluster: TestCluster, namespaces: string[], count: number, boundMs: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    let ready = 0;
    for (const ns of namespaces) {
      const all = await cluster.list('revisions', ns, 'serving.knative.dev/configuration=hello');
      ready += all.filter((r) => r.status?.conditions?.some((c: {type: string; status: string}) => c.type === 'Ready' && c.status === 'True')).length;
    }
    if (ready >= count || performance.now() - started > boundMs) break;
    await new Promise((r) => setTimeout(r, 3000));
  }
  await new Promise((r) => setTimeout(r, 5000));
}
