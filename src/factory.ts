// The one place commands get adapters from. Each adapter is imported lazily so that `fn --help`,
// `fn --version` and `fn init` never load Docker or Kubernetes SDKs.
import type {BuildAdapters} from './core/build.js';
import type {Runner, Scaffolder} from './core/ports.js';

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
