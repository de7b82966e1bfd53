// The one place commands get adapters from. Each adapter is imported lazily so that `fn --help`,
// `fn --version` and `fn init` never load Docker or Kubernetes SDKs.
import type {BuildAdapters} from './core/build.js';
import type {ClusterSelection, Eventing, Knative, Progress, Runner, Scaffolder} from './core/ports.js';

export async function scaffolder(): Promise<Scaffolder> {
  const {TemplateScaffolder} = await import('./adapters/scaffold/scaffolder.js');
  return new TemplateScaffolder();
}

export async function hostRunner(): Promise<Runner> {
  const {HostRunner} = await import('./adapters/local/host-runner.js');
  return new HostRunner();
}

/**
 * Builder and pusher for core/build.ts buildAndPush. `choice` (fn build, fn deploy): the builder
 * core/builder-choice.ts picks from --builder, FN_BUILDER and whether an engine answers; without it
 * (fn run --container, which runs the image in the engine), the Docker engine's.
 */
export async function buildAdapters(choice?: {builder?: string; progress?: Progress}): Promise<BuildAdapters> {
  const [{sourceInfo}, {runtimesDir}] = await Promise.all([import('./adapters/git/source-info.js'), import('./paths.js')]);
  if (choice) {
    const {chooseBuilder} = await import('./core/builder-choice.js');
    const chosen = await chooseBuilder(choice.builder, process.env, async () => (await import('./adapters/docker/engine.js')).pingEngine());
    if (chosen.note) choice.progress?.step(chosen.note);
    if (chosen.kind === 'host') {
      const [{HostBuilder}, {HostPusher}] = await Promise.all([import('./adapters/oci/host-builder.js'), import('./adapters/oci/host-pusher.js')]);
      return {kind: 'host', engineError: chosen.engineError, builder: new HostBuilder(), pusher: new HostPusher(), sourceInfo, runtimesDir};
    }
  }
  const [{DockerBuilder}, {DockerPusher}] = await Promise.all([import('./adapters/docker/docker-builder.js'), import('./adapters/docker/docker-pusher.js')]);
  return {kind: 'docker', builder: new DockerBuilder(), pusher: new DockerPusher(), sourceInfo, runtimesDir};
}

export async function containerRunner(): Promise<Runner> {
  const {ContainerRunner} = await import('./adapters/docker/container-runner.js');
  return new ContainerRunner();
}

/** Knative in the cluster the kubeconfig (and --context) selects; its context's default namespace. */
export async function knative(selection: ClusterSelection): Promise<{knative: Knative; defaultNamespace: string; context: string}> {
  const [kube, {KnativeCluster}] = await Promise.all([kubeFor(selection), import('./adapters/knative/knative-cluster.js')]);
  return {knative: new KnativeCluster(kube), defaultNamespace: kube.defaultNamespace, context: kube.contextName};
}

/** Knative Eventing (Triggers, PingSources, Brokers) in the same cluster, on the same connection. */
export async function eventing(selection: ClusterSelection): Promise<Eventing> {
  const [kube, {KnativeEventing}] = await Promise.all([kubeFor(selection), import('./adapters/knative/knative-eventing.js')]);
  return new KnativeEventing(kube);
}

// One connection per cluster selection in a process: the Knative adapter, pods and ingress discovery
// share it (an exec credential plugin then runs once).
const connections = new Map<string, Promise<import('./adapters/knative/kube-http.js').KubeHttp>>();
function kubeFor(selection: ClusterSelection): Promise<import('./adapters/knative/kube-http.js').KubeHttp> {
  const key = selection.context ?? '';
  let connection = connections.get(key);
  if (!connection) {
    connection = import('./adapters/knative/kube-http.js').then(({KubeHttp}) => KubeHttp.connect({context: selection.context}));
    connection.catch(() => connections.delete(key));
    connections.set(key, connection);
  }
  return connection;
}

/** Pods, their logs and events, and what they say about a revision that is not ready. */
export async function knativePods(selection: ClusterSelection): Promise<import('./adapters/knative/pods.js').KnativePods> {
  const [kube, {KnativePods}] = await Promise.all([kubeFor(selection), import('./adapters/knative/pods.js')]);
  return new KnativePods(kube);
}

/** The look at a not-ready revision's pods that deploy, traffic changes and rollouts race their waits with. */
export async function podDiagnosis(selection: ClusterSelection, onNote?: (message: string) => void): Promise<import('./core/pod-failure.js').RevisionDiagnosis> {
  const pods = await knativePods(selection);
  return (namespace, revision, signal) => pods.watchRevision(namespace, revision, {signal, ...(onNote ? {onNote} : {})});
}

/**
 * How to reach a deployed function's URLs (core/ingress-address.ts has the rule): --ingress /
 * FN_INGRESS, else DNS, else the ingress the cluster publishes for the function's Route.
 */
export async function functionReach(
  selection: ClusterSelection,
  fn: {namespace: string; route: string},
  ingressFlag?: string,
): Promise<{reach: (url: string) => Promise<import('./core/ingress-address.js').FunctionEndpoint>; requestVia: typeof import('./adapters/http/via-ingress.js').requestVia}> {
  const [{reachFunction, explicitIngress}, {hostResolves, requestVia}] = await Promise.all([import('./core/ingress-address.js'), import('./adapters/http/via-ingress.js')]);
  const explicit = explicitIngress(ingressFlag);
  const reach = (url: string) =>
    reachFunction(url, {
      explicit,
      resolves: hostResolves,
      discover: async () => {
        const [kube, {discoverIngress}] = await Promise.all([kubeFor(selection), import('./adapters/knative/ingress-discovery.js')]);
        return discoverIngress(kube, {...fn, url});
      },
    });
  return {reach, requestVia};
}

/** DNS lookups and requests through an ingress or proxy address (adapters/http/via-ingress.ts), loaded lazily. */
export async function ingressTransport(): Promise<Pick<typeof import('./adapters/http/via-ingress.js'), 'hostResolves' | 'requestVia'>> {
  const {hostResolves, requestVia} = await import('./adapters/http/via-ingress.js');
  return {hostResolves, requestVia};
}

/** The rollout health gate for stored settings (HTTP probe or --check-cmd), loaded lazily. */
export async function healthGates(): Promise<typeof import('./adapters/health/gate-for.js').healthFor> {
  const {healthFor} = await import('./adapters/health/gate-for.js');
  return healthFor;
}
