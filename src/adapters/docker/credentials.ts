// Registry credentials the way the docker CLI finds them: $DOCKER_CONFIG/config.json (default
// ~/.docker/config.json) — `credHelpers[registry]`, else `credsStore`, else `auths[registry]` — with
// docker-credential-* helpers spoken to over their protocol (`get`, the server URL on stdin, JSON out).
// Secrets are handed to the engine only; they never appear in a message.
import {readFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {spawn} from 'node:child_process';
import {FnError} from '../../core/errors.js';
import {DOCKER_HUB} from '../../core/image-ref.js';

/** The key Docker Hub credentials are stored under. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}
export interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

export async function readDockerConfig(file = dockerConfigPath()): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: any) {
    if (e?.code === 'ENOENT') return {};
    throw e;
  }
  try {
    return JSON.parse(text) ?? {};
  } catch (e) {
    throw new FnError('DOCKER_CONFIG_INVALID', 'usage', `${file} is not valid JSON: ${(e as Error).message}`, {
      suggestion: `fix ${file} (or point DOCKER_CONFIG at another folder)`,
    });
  }
}

/** `https://host:port/v1/` → `host:port`; Docker Hub's aliases → docker.io. */
export function registryHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}

/** The server URL a registry's credentials are stored and asked for under. */
export function serverAddress(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_KEY : registry;
}

interface HelperRun {
  missing: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a helper with `input` on stdin (node:child_process: the helper is one small call). */
function runHelper(program: string, args: string[], input: string, timeoutMs = 30_000): Promise<HelperRun> {
  return new Promise((resolve) => {
    const child = spawn(program, args, {stdio: ['pipe', 'pipe', 'pipe'], env: process.env});
    // Our own timer (unref'd, cleared): spawn's `timeout` would keep fn alive after a missing helper.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    timer.unref();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({missing: e.code === 'ENOENT', exitCode: null, stdout, stderr: stderr || e.message});
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({missing: false, exitCode: code, stdout, stderr});
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** Asks a docker-credential-<helper> for a registry's credentials; undefined when it has none. */
export async function fromHelper(helper: string, registry: string, origin: string): Promise<RegistryAuth | undefined> {
  const program = `docker-credential-${helper}`;
  const server = serverAddress(registry);
  const result = await runHelper(program, ['get'], server);
  if (result.missing) {
    throw new FnError('CREDENTIAL_HELPER_MISSING', 'registry', `${program} (${origin}) is not installed or not on PATH`, {
      suggestion: `install ${program}, or remove "${helper}" from ${dockerConfigPath()}`,
      details: {helper, registry},
    });
  }
  const out = result.stdout.trim();
  if (result.exitCode !== 0) {
    if (/credentials not found/i.test(out) || /credentials not found/i.test(String(result.stderr))) return undefined;
    // The helper's own message names what is wrong; it never contains the secret.
    throw new FnError('CREDENTIAL_HELPER_FAILED', 'registry', `${program} could not give credentials for ${server}: ${(out || String(result.stderr)).split('\n')[0]}`, {
      suggestion: `check ${program} (e.g. \`echo ${server} | ${program} get\`), or log in again with \`docker login ${registry}\``,
      details: {helper, registry},
    });
  }
  let parsed: {Username?: string; Secret?: string};
  try {
    parsed = JSON.parse(out);
  } catch {
    throw new FnError('CREDENTIAL_HELPER_FAILED', 'registry', `${program} answered something that is not JSON for ${server}`, {
      suggestion: `check ${program}: \`echo ${server} | ${program} get\` must print {"Username":…,"Secret":…}`,
      details: {helper, registry},
    });
  }
  if (!parsed.Secret) return undefined;
  return parsed.Username === '<token>'
    ? {serveraddress: server, identitytoken: parsed.Secret}
    : {serveraddress: server, username: parsed.Username ?? '', password: parsed.Secret};
}

function fromAuths(config: DockerConfig, registry: string): RegistryAuth | undefined {
  const entry = Object.entries(config.auths ?? {}).find(([key]) => registryHost(key) === registry)?.[1];
  if (!entry) return undefined;
  const server = serverAddress(registry);
  if (entry.identitytoken) return {serveraddress: server, identitytoken: entry.identitytoken};
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) return {serveraddress: server, username: decoded.slice(0, i), password: decoded.slice(i + 1)};
  }
  if (entry.username && entry.password) return {serveraddress: server, username: entry.username, password: entry.password};
  return undefined;
}

/** Credentials for a registry host (as in an image reference), or undefined for anonymous access. */
export async function credentialsFor(registry: string, config?: DockerConfig): Promise<RegistryAuth | undefined> {
  const cfg = config ?? (await readDockerConfig());
  const helper = Object.entries(cfg.credHelpers ?? {}).find(([key]) => registryHost(key) === registry)?.[1];
  if (helper) return (await fromHelper(helper, registry, `credHelpers in ${dockerConfigPath()}`)) ?? fromAuths(cfg, registry);
  if (cfg.credsStore) return (await fromHelper(cfg.credsStore, registry, `credsStore in ${dockerConfigPath()}`)) ?? fromAuths(cfg, registry);
  return fromAuths(cfg, registry);
}

/** Where a registry's credentials come from, for messages: a helper or the auths of config.json. */
export function credentialOrigin(registry: string, config: DockerConfig): string {
  const file = dockerConfigPath();
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => registryHost(key) === registry)?.[1];
  if (helper) return `docker-credential-${helper} (credHelpers in ${file})`;
  if (config.credsStore) return `docker-credential-${config.credsStore} (credsStore in ${file})`;
  return `auths in ${file}`;
}

/**
 * X-Registry-Config for a build: credentials for each registry its FROM images come from. A helper
 * that fails here is skipped: public base images need none, and a private one fails with its own error.
 */
export async function registryConfigFor(registries: string[]): Promise<Record<string, {username: string; password: string}>> {
  const cfg = await readDockerConfig();
  const out: Record<string, {username: string; password: string}> = {};
  for (const registry of new Set(registries)) {
    const auth = await credentialsFor(registry, cfg).catch(() => undefined);
    if (auth?.username !== undefined && auth.password !== undefined) out[serverAddress(registry)] = {username: auth.username, password: auth.password};
  }
  return out;
}
