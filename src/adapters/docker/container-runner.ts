// `fn run --container`: runs the function's image through the engine, its output on ours, until
// stopped. On an engine without a bridge (host networking) the function listens on the port itself;
// otherwise the container's 8080 is published on 127.0.0.1:PORT.
import type Docker from 'dockerode';
import {FnError} from '../../core/errors.js';
import {parseImageRef} from '../../core/image-ref.js';
import type {Progress, RunRequest, RunningFunction, Runner} from '../../core/ports.js';
import {credentialsFor} from './credentials.js';
import {connectEngine, defaultNetwork, engineMessage} from './engine.js';

const CONTAINER_PORT = 8080;
const READY_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ensureImage(docker: Docker, image: string, progress: Progress): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (e) {
    if ((e as {statusCode?: number}).statusCode !== 404) throw e;
  }
  progress.step(`Pulling ${image}`);
  const auth = image.startsWith('sha256:') ? undefined : await credentialsFor(parseImageRef(image).registry);
  try {
    const stream = await docker.pull(image, auth ? {authconfig: auth} : {});
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, events: Array<{error?: string}>) => {
        const failed = err?.message ?? events?.find((ev) => ev.error)?.error;
        return failed ? reject(new Error(failed)) : resolve();
      }),
    );
  } catch (e) {
    throw new FnError('IMAGE_PULL_FAILED', 'registry', `cannot pull ${image}: ${engineMessage(e)}`, {suggestion: 'build it first with `fn build`, or check the registry and your login'});
  }
}

export class ContainerRunner implements Runner {
  constructor(private readonly engine: () => Promise<Docker> = connectEngine) {}

  async run(request: RunRequest, progress: Progress): Promise<RunningFunction> {
    if (!request.image) throw new FnError('NO_IMAGE', 'unexpected', 'the container runner needs an image');
    const docker = await this.engine();
    await ensureImage(docker, request.image, progress);
    const network = request.network ?? (await defaultNetwork(docker)) ?? 'bridge';
    const hostNetwork = network === 'host';
    const plainEnv = Object.fromEntries((request.config.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const env = {...plainEnv, ...request.env, ...(hostNetwork ? {PORT: String(request.port)} : {})};
    progress.step(`Starting ${request.config.name} from ${request.image} (network ${network}) on port ${request.port}`);
    let container: Docker.Container;
    try {
      container = await docker.createContainer({
        Image: request.image,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: {'dev.fn.function': request.config.name},
        ExposedPorts: hostNetwork ? undefined : {[`${CONTAINER_PORT}/tcp`]: {}},
        HostConfig: {
          NetworkMode: network,
          AutoRemove: true,
          PortBindings: hostNetwork ? undefined : {[`${CONTAINER_PORT}/tcp`]: [{HostIp: '127.0.0.1', HostPort: String(request.port)}]},
        },
      });
    } catch (e) {
      throw new FnError('CONTAINER_CREATE_FAILED', 'usage', `cannot create a container from ${request.image}: ${engineMessage(e)}`, {
        suggestion: /network/i.test(engineMessage(e)) ? 'pass --network with a network the engine has (`docker network ls`)' : 'check the image with `docker image inspect`',
      });
    }
    // Attach and wait before starting, so no output and no exit is missed (the container removes itself).
    const output = await container.attach({stream: true, stdout: true, stderr: true});
    docker.modem.demuxStream(output, process.stdout, process.stderr);
    const exited = container.wait({condition: 'next-exit'}).then(
      (r: {StatusCode?: number}) => r.StatusCode ?? null,
      () => null,
    );
    try {
      await container.start();
    } catch (e) {
      await container.remove({force: true}).catch(() => {});
      throw new FnError('CONTAINER_START_FAILED', 'notReady', `cannot start ${request.config.name}: ${engineMessage(e)}`, {
        suggestion: /address already in use|port is already allocated/i.test(engineMessage(e)) ? 'choose another --port' : 'see the message above',
      });
    }
    const stop = async () => {
      await container.stop({t: 10}).catch(() => {});
      await exited;
    };
    let dead = false;
    void exited.then(() => (dead = true));
    const url = `http://127.0.0.1:${request.port}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!dead) {
      try {
        if ((await fetch(`${url}/health/readiness`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await stop();
        throw new FnError('RUN_NOT_READY', 'notReady', `${request.config.name} did not answer ${url}/health/readiness within ${READY_TIMEOUT_MS / 1000}s`, {
          suggestion: 'check the container output above',
        });
      }
      await sleep(100);
    }
    if (dead) {
      throw new FnError('RUN_EXITED', 'notReady', `${request.config.name}'s container exited (code ${await exited}) before it was ready`, {
        suggestion: 'check the container output above; is the port free?',
      });
    }
    return {url, exited, stop: async () => stop()};
  }
}
