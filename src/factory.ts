// The one place commands get adapters from. Each adapter is imported lazily so that `fn --help`,
// `fn --version` and `fn init` never load Docker or Kubernetes SDKs.
import type {BuildAdapters} from './core/build.js';
import type {ClusterSelection, Deployer, Runner, Scaffolder} from './core/ports.js';

export async function scaffolder(): Promise<Scaffolder> {
  const {TemplateScaffolder} = await import('./adapters/scaffold/scaffolder.js');
  return new TemplateScaffolder();
}

export async function hostRunner(): Promise<Runner> {
  const {HostRunner} = await import('./adapters/local/host-runner.js');
  return new HostRunner();
}

/** Builder and pusher for core/build.ts buildAndPush (fn build, fn deploy, fn run --container). */
export async function buildAdapters(): Promise<BuildAdapters> {
  const [{DockerBuilder}, {DockerPusher}, {runtimesDir}] = await Promise.all([
    import('./adapters/docker/docker-builder.js'),
    import('./adapters/docker/docker-pusher.js'),
    import('./paths.js'),
  ]);
  return {builder: new DockerBuilder(), pusher: new DockerPusher(), runtimesDir};
}

export async function containerRunner(): Promise<Runner> {
  const {ContainerRunner} = await import('./adapters/docker/container-runner.js');
  return new ContainerRunner();
}

/** Knative in the cluster the kubeconfig (and --context) selects; its context's default namespace. */
export async function knative(selection: ClusterSelection): Promise<{cluster: Deployer; defaultNamespace: string; context: string}> {
  const [{KubeHttp}, {KnativeCluster}] = await Promise.all([import('./adapters/knative/kube-http.js'), import('./adapters/knative/knative-cluster.js')]);
  const kube = await KubeHttp.connect(selection);
  return {cluster: new KnativeCluster(kube), defaultNamespace: kube.defaultNamespace, context: kube.contextName};
}

/** fn rollout's view of the cluster: the Knative Deployer, plus fn.yaml to build a canary's template. */
export async function rolloutCluster(selection: ClusterSelection, config?: import('./core/function.js').FunctionConfig): Promise<import('./core/rollout/deployer-cluster.js').DeployerCluster> {
  const [{cluster, defaultNamespace}, {DeployerCluster}] = await Promise.all([knative(selection), import('./core/rollout/deployer-cluster.js')]);
  return new DeployerCluster(cluster, selection.namespace ?? defaultNamespace, config);
}
