// The Docker engine (or Podman's Docker-compatible socket): DOCKER_HOST, else the default socket.
// Checked with a ping so that "no engine" is one clear error naming the address that was tried.
import {existsSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import type Docker from 'dockerode';
import {FnError} from '../../core/errors.js';
import {loadDockerode} from './dockerode.js';

/** The address dockerode will use, as a user would write it in DOCKER_HOST. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  // docker-modem's default: Docker Desktop's per-user socket when it exists, else the system one.
  const desktop = join(homedir(), '.docker', 'run', 'docker.sock');
  return `unix://${existsSync(desktop) ? desktop : '/var/run/docker.sock'}`;
}

const HOW_TO_START =
  'start Docker (`sudo systemctl start docker`, or Docker Desktop), or point DOCKER_HOST at a running engine, e.g. Podman: `systemctl --user start podman.socket` and DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock';

export function engineUnavailable(cause: unknown, address = engineAddress()): FnError {
  const code = (cause as {code?: string})?.code;
  const from = process.env.DOCKER_HOST ? 'DOCKER_HOST' : 'the default socket';
  const why =
    code === 'ENOENT'
      ? 'no such socket'
      : code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'EACCES'
          ? 'permission denied'
          : (cause as Error)?.message ?? String(cause);
  return new FnError('DOCKER_UNAVAILABLE', 'dockerUnavailable', `no Docker engine answered at ${address} (${from}): ${why}`, {
    suggestion: code === 'EACCES' ? 'add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again), or use a rootless engine' : HOW_TO_START,
    details: {address, code},
    cause,
  });
}

let connected: Promise<Docker> | undefined;

/** A dockerode client whose engine has answered a ping (one per process). */
export function connectEngine(): Promise<Docker> {
  connected ??= (async () => {
    let docker: Docker;
    try {
      const Dockerode = loadDockerode();
      docker = new Dockerode();
    } catch (e) {
      throw new FnError('DOCKER_HOST_INVALID', 'usage', `DOCKER_HOST="${process.env.DOCKER_HOST}" is not an engine address: ${(e as Error).message}`, {
        suggestion: 'use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST',
      });
    }
    try {
      await docker.ping();
    } catch (e) {
      throw engineUnavailable(e);
    }
    return docker;
  })();
  connected.catch(() => (connected = undefined));
  return connected;
}

/** How long `pingEngine` waits for an engine that accepts the connection but does not answer. */
const PING_TIMEOUT_MS = 5000;

/**
 * Whether an engine answers, for choosing a builder: connectEngine's client, or its error; an engine
 * that does not answer within a few seconds counts as none (a build through it would hang).
 */
export async function pingEngine(): Promise<Docker> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(engineUnavailable(new Error(`no answer within ${PING_TIMEOUT_MS / 1000}s`))), PING_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([connectEngine(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The network builds and containers use when none is given: the engine's default, except on an
 * engine without a bridge network (like `dockerd --bridge=none`), where only the host's exists.
 */
export async function defaultNetwork(docker: Docker): Promise<string | undefined> {
  const networks = await docker.listNetworks();
  const bridged = networks.some((n) => n.Driver === 'bridge' || n.Name === 'bridge' || n.Name === 'podman');
  return bridged ? undefined : 'host';
}

/** Messages from the engine's API errors: `(HTTP code 404) no such image - <message>` → the message. */
export function engineMessage(e: unknown): string {
  const err = e as {json?: {message?: string}; reason?: string; message?: string};
  return err?.json?.message ?? err?.message ?? String(e);
}
