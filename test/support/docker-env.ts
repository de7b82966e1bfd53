// The Docker test environment written by test/env/docker-up.sh ($FN_TESTENV_DIR/docker.env): the
// engine, the open and the TLS+auth registries, and the locally built base images. Tests fail with
// the command to run when it is missing, rather than skip.
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {createServer} from 'node:net';
import {join} from 'node:path';
import Docker from 'dockerode';

export interface DockerTestEnv {
  DOCKER_HOST: string;
  FN_TEST_REGISTRY: string;
  FN_TEST_SECURE_REGISTRY: string;
  FN_TEST_SECURE_REGISTRY_USER: string;
  FN_TEST_SECURE_REGISTRY_PASSWORD: string;
  FN_TEST_SECURE_REGISTRY_CA: string;
  NODE_EXTRA_CA_CERTS: string;
  FN_TEST_BASE_DEBIAN: string;
  FN_TEST_BASE_NODE: string;
  FN_TEST_BASE_PYTHON: string;
  FN_TEST_BUILDER_GO: string;
  FN_TEST_BASE_GO: string;
  FN_TEST_NETWORK: string;
}

export const dockerEnvFile = join(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv', 'docker.env');

/** Parses `export NAME=value` lines. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

let cached: DockerTestEnv | undefined;

export function dockerTestEnv(): DockerTestEnv {
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(dockerEnvFile, 'utf8');
  } catch {
    throw new Error(`${dockerEnvFile} is missing: start the Docker test environment first with \`bash test/env/docker-up.sh\``);
  }
  cached = parseEnvFile(text) as unknown as DockerTestEnv;
  return cached;
}

/** A dockerode client for the test engine. */
export function testDocker(): Docker {
  const host = dockerTestEnv().DOCKER_HOST;
  return new Docker({socketPath: host.replace(/^unix:\/\//, '')});
}

/** Base images per runtime: what `fn build` gets as --base-image / --builder-image in tests. */
export function testImages(runtime: string): {base: string; builder: string} {
  const env = dockerTestEnv();
  switch (runtime) {
    case 'node':
    case 'typescript':
      return {base: env.FN_TEST_BASE_NODE, builder: env.FN_TEST_BASE_NODE};
    case 'python':
      return {base: env.FN_TEST_BASE_PYTHON, builder: env.FN_TEST_BASE_PYTHON};
    case 'go':
      return {base: env.FN_TEST_BASE_GO, builder: env.FN_TEST_BUILDER_GO};
    default:
      throw new Error(`no test images for runtime ${runtime}`);
  }
}

/** A TCP port nobody listens on right now (127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

export interface RunningContainer {
  url: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** Runs an image with host networking on a free port and waits for /health/readiness. */
export async function runImage(image: string, options: {env?: Record<string, string>; timeoutMs?: number} = {}): Promise<RunningContainer> {
  const docker = testDocker();
  const port = await freePort();
  const container = await docker.createContainer({
    Image: image,
    Env: Object.entries({...options.env, PORT: String(port)}).map(([k, v]) => `${k}=${v}`),
    Labels: {'dev.fn.test': 'true'},
    HostConfig: {NetworkMode: dockerTestEnv().FN_TEST_NETWORK || 'host'},
  });
  await container.start();
  const url = `http://127.0.0.1:${port}`;
  const logs = async () => String(await container.logs({stdout: true, stderr: true, follow: false}));
  const stop = async () => {
    await container.remove({force: true}).catch(() => {});
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      if ((await fetch(`${url}/health/readiness`)).ok) return {url, logs, stop};
    } catch {
      // not listening yet
    }
    const state = await container.inspect().then((c) => c.State);
    if (!state.Running || Date.now() > deadline) {
      const output = await logs();
      await stop();
      throw new Error(`${image} did not become ready on ${url} (running: ${state.Running}, exit ${state.ExitCode}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Environment for `fn` in tests: the test engine, an empty DOCKER_CONFIG (never the developer's own
 * credentials) unless one is given, and Node trusting the TLS registry's CA.
 */
export function fnEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = dockerTestEnv();
  return {DOCKER_HOST: env.DOCKER_HOST, NODE_EXTRA_CA_CERTS: env.NODE_EXTRA_CA_CERTS, DOCKER_CONFIG: emptyDockerConfig(), FN_REGISTRY: '', ...extra};
}

let emptyConfigDir: string | undefined;
function emptyDockerConfig(): string {
  emptyConfigDir ??= mkdtempSync(join(tmpdir(), 'fn-docker-config-'));
  return emptyConfigDir;
}

/** Pulls an image (e.g. by digest) from the test registries through the test engine. */
export async function pullImage(image: string): Promise<void> {
  const docker = testDocker();
  const stream = await docker.pull(image);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, events: Array<{error?: string}>) => {
      const failed = err?.message ?? events.find((e) => e.error)?.error;
      return failed ? reject(new Error(`pull ${image}: ${failed}`)) : resolve();
    }),
  );
}
