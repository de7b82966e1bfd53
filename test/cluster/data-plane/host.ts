// Containers whose image is `fn-testenv.host/<name>` run a binary that up.sh built, as a process on
// this machine, instead of a Docker container. Knative Eventing's data plane (the IMC dispatcher,
// the broker ingress and filter, the PingSource adapter) is deployed the way Knative deploys it, as
// Deployments whose pods the node runs; only their images exist nowhere here, so the node runs the
// same program from the build cache. up.sh describes the binaries in $FN_TESTENV_HOST_IMAGES (JSON):
//   {"env": {...}, "freePortEnv": [NAME...], "images": {"fn-testenv.host/x": {"command": PATH, "ports": {"8080": "ENV_NAME"}}}}
// The process gets the pod's resolved environment, then `env` (kubeconfig, HTTP_PROXY), then one
// free loopback port per declared container port, handed in through the variable the binary reads
// it from (`ports`), and one for each of `freePortEnv` (profiling, health servers) unless a
// container port already set it. Output goes to a file, one timestamped line at a time, which the
// log endpoint serves like `docker logs -t`.
import {spawn, type ChildProcess} from 'node:child_process';
import {createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync} from 'node:fs';
import {dirname} from 'node:path';
import readline from 'node:readline';
import type {LogLine} from './docker.js';

export const HOST_IMAGE_PREFIX = 'fn-testenv.host/';
/** The id under which a host process stands where a Docker container id would. */
const ID_PREFIX = 'host:';

interface HostImage {
  command: string;
  args?: string[];
  ports?: Record<string, string>;
}
interface HostImages {
  env?: Record<string, string>;
  freePortEnv?: string[];
  images?: Record<string, HostImage>;
}

let config: HostImages | undefined;
function images(): HostImages {
  if (!config) {
    const file = process.env.FN_TESTENV_HOST_IMAGES;
    config = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HostImages) : {};
  }
  return config;
}

export const isHostImage = (image: string) => image.startsWith(HOST_IMAGE_PREFIX);

/** The binary behind a host image, or the reason it cannot run (shown as the pull error). */
export function hostBinary(image: string): {image: HostImage} | {error: string} {
  const spec = images().images?.[image.replace(/@.*$/, '')];
  if (!spec) return {error: `${image}: not one of the binaries this test cluster built (${Object.keys(images().images ?? {}).join(', ') || 'none'})`};
  if (!existsSync(spec.command)) return {error: `${image}: ${spec.command} does not exist (run test/cluster/up.sh --build-only)`};
  return {image: spec};
}

/** The environment variable each declared container port is handed in through, for a host image. */
export function portEnv(image: string): Record<string, string> {
  const b = hostBinary(image);
  return 'image' in b ? (b.image.ports ?? {}) : {};
}

export const isHostId = (id: string) => id.startsWith(ID_PREFIX);

export interface HostProcess {
  id: string;
  /** The exit code (128 + signal number when killed by a signal). */
  exited: Promise<number>;
  stop(graceSeconds: number): Promise<void>;
}

const SIGNALS: Record<string, number> = {SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15};

/**
 * Starts the binary with `podEnv` plus the harness's env and ports (`ports`: env name → host port,
 * chosen by the node). Its output is appended to `logFile` with a timestamp on every line.
 */
export function startHostProcess(spec: HostImage, podEnv: Record<string, string>, ports: Record<string, number>, logFile: string): HostProcess {
  mkdirSync(dirname(logFile), {recursive: true});
  const env: Record<string, string> = {PATH: process.env.PATH ?? '/usr/bin:/bin', ...podEnv, ...(images().env ?? {})};
  for (const [name, port] of Object.entries(ports)) env[name] = String(port);
  const child: ChildProcess = spawn(spec.command, spec.args ?? [], {env, stdio: ['ignore', 'pipe', 'pipe']});
  const out = createWriteStream(logFile, {flags: 'a'});
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({input: stream}).on('line', (line) => out.write(`${new Date().toISOString()} ${line}\n`));
  }
  const exited = new Promise<number>((resolve) => {
    child.once('error', (e) => {
      out.write(`${new Date().toISOString()} ${e.message}\n`);
      resolve(128);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 1)));
  });
  void exited.then(() => setTimeout(() => out.end(), 100));
  return {
    id: `${ID_PREFIX}${logFile}`,
    exited,
    async stop(graceSeconds: number) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(1, graceSeconds) * 1000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Free ports the node must choose for a host image's process besides its container ports. */
export const freePortEnv = () => images().freePortEnv ?? [];

// ------------------------------------------------------------------ logs, as `docker logs -t` gives them

function sinceTime(since: string | undefined): string | undefined {
  if (!since) return undefined;
  const m = since.match(/^(\d+)s$/);
  return m ? new Date(Date.now() - Number(m[1]) * 1000).toISOString() : new Date(since).toISOString();
}

function parse(line: string): LogLine {
  const i = line.indexOf(' ');
  return i > 0 ? {time: line.slice(0, i), text: line.slice(i + 1)} : {time: '', text: line};
}

export function hostLogLines(id: string, options: {tail?: number; since?: string} = {}): LogLine[] {
  const file = id.slice(ID_PREFIX.length);
  if (!existsSync(file)) return [];
  const after = sinceTime(options.since);
  let lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(parse);
  if (after) lines = lines.filter((l) => l.time >= after);
  return options.tail !== undefined ? lines.slice(Math.max(0, lines.length - options.tail)) : lines;
}

/** Follows the log file (polling, as `tail -F` would) until `stop`. */
export function followHostLogs(id: string, options: {tail?: number; since?: string}, onLine: (line: LogLine) => void): {stop(): void} {
  const file = id.slice(ID_PREFIX.length);
  for (const l of hostLogLines(id, options)) onLine(l);
  let offset = existsSync(file) ? statSync(file).size : 0;
  let reading = false;
  let partial = '';
  const timer = setInterval(() => {
    if (reading || !existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    reading = true;
    const stream = createReadStream(file, {start: offset, end: size - 1, encoding: 'utf8'});
    offset = size;
    stream.on('data', (chunk) => {
      partial += chunk;
      let i: number;
      while ((i = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        if (line) onLine(parse(line));
      }
    });
    stream.on('close', () => (reading = false));
  }, 250);
  return {stop: () => clearInterval(timer)};
}
