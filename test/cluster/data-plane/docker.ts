// The Docker engine, through its CLI (`docker` at DOCKER_HOST): what the node needs to pull, run,
// wait for, stop and read the logs of containers.
import {execFile, spawn, type ChildProcess} from 'node:child_process';

const DOCKER = process.env.FN_TESTENV_DOCKER_CLI ?? 'docker';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function docker(args: string[], timeoutMs = 120_000): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile(DOCKER, args, {timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : 1) : 0;
      resolve({code, stdout: String(stdout), stderr: String(stderr)});
    });
  });
}

/** The engine's message, as a kubelet would show it: the last meaningful line of stderr. */
export function engineMessage(r: DockerResult): string {
  const lines = r.stderr.split('\n').map((l) => l.replace(/^Error response from daemon: /, '').trim()).filter(Boolean);
  return lines.at(-1) ?? `docker exited with ${r.code}`;
}

export async function imagePresent(image: string): Promise<string | undefined> {
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', image], 30_000);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Exit code of a container once it stops (`docker wait`), or undefined if it cannot be waited for. */
export async function waitExit(id: string): Promise<number | undefined> {
  const r = await docker(['wait', id], 0);
  const n = Number(r.stdout.trim());
  return r.code === 0 && Number.isInteger(n) ? n : undefined;
}

/** A timestamped log line: docker's RFC 3339 nano timestamp, then the text. */
export interface LogLine {
  time: string;
  text: string;
}

/** Both streams of `docker logs -t`, merged by timestamp. */
export async function logLines(id: string, options: {tail?: number; since?: string} = {}): Promise<LogLine[]> {
  const args = ['logs', '-t', ...(options.tail !== undefined ? ['--tail', String(options.tail)] : []), ...(options.since ? ['--since', options.since] : []), id];
  const r = await docker(args, 30_000);
  const lines = [...splitTimestamped(r.stdout), ...splitTimestamped(r.stderr)];
  return lines.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

function splitTimestamped(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const i = line.indexOf(' ');
    out.push(i > 0 ? {time: line.slice(0, i), text: line.slice(i + 1)} : {time: '', text: line});
  }
  return out;
}

/** `docker logs -f -t`: each line as it is written, from both streams, until stopped. */
export function followLogs(id: string, options: {tail?: number; since?: string}, onLine: (line: LogLine) => void, onEnd: () => void): ChildProcess {
  const args = ['logs', '-f', '-t', ...(options.tail !== undefined ? ['--tail', String(options.tail)] : []), ...(options.since ? ['--since', options.since] : []), id];
  const child = spawn(DOCKER, args, {stdio: ['ignore', 'pipe', 'pipe']});
  let open = 2;
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        for (const l of splitTimestamped(buffer.slice(0, i + 1))) onLine(l);
        buffer = buffer.slice(i + 1);
      }
    });
    stream.on('end', () => {
      if (buffer) for (const l of splitTimestamped(buffer)) onLine(l);
      if (--open === 0) onEnd();
    });
  }
  return child;
}
