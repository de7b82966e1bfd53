// The one place commands get adapters from. Each adapter is imported lazily so that `fn --help`,
// `fn --version` and `fn init` never load Docker or Kubernetes SDKs.
import type {Runner, Scaffolder} from './core/ports.js';

export async function scaffolder(): Promise<Scaffolder> {
  const {TemplateScaffolder} = await import('./adapters/scaffold/scaffolder.js');
  return new TemplateScaffolder();
}

export async function hostRunner(): Promise<Runner> {
  const {HostRunner} = await import('./adapters/local/host-runner.js');
  return new HostRunner();
}
