// Running a Kubernetes probe (httpGet, tcpSocket, exec) against a container that listens on the
// host network: the probe's port, when it is the container's port (or unset), means the host port
// the container was given (a host process has one per declared port). Messages read like the
// kubelet's, with the port the pod spec names.
import {execFile} from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import {docker} from './docker.js';
import {isHostId} from './host.js';

export interface Probe {
  httpGet?: {path?: string; port?: number | string; host?: string; scheme?: string; httpHeaders?: {name: string; value: string}[]};
  tcpSocket?: {port?: number | string; host?: string};
  exec?: {command: string[]};
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ProbeTarget {
  hostPort: number;
  containerPort?: number;
  containerId: string;
  /** Named container ports → their numbers. */
  names?: Record<string, number>;
  /** Other declared container ports → their host ports (host processes). */
  portMap?: Record<string, number>;
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

function ports(port: number | string | undefined, target: ProbeTarget): {dial: number; shown: number} {
  const n = Number(port) || (typeof port === 'string' ? target.names?.[port] : undefined);
  if (!n || n === target.containerPort) return {dial: target.hostPort, shown: target.containerPort ?? target.hostPort};
  if (target.portMap?.[n]) return {dial: target.portMap[n], shown: n};
  return {dial: n, shown: n};
}

/** An exec probe of a host process runs the command on this machine. */
function execOnHost(command: string[], timeoutMs: number): Promise<{code: number; output: string}> {
  return new Promise((resolve) => {
    execFile(command[0], command.slice(1), {timeout: timeoutMs}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : 1) : 0;
      resolve({code, output: `${stdout}${stderr}`});
    });
  });
}

export async function probeOnce(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const {dial, shown} = ports(probe.httpGet.port, target);
    const path = probe.httpGet.path || '/';
    const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    return new Promise((resolve) => {
      const req = http.get({host: '127.0.0.1', port: dial, path, headers: {'user-agent': 'kube-probe/1.32', ...headers}, timeout: timeoutMs, agent: false}, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? {ok: true, message: ''} : {ok: false, message: `HTTP probe failed with statuscode: ${code}`});
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e: any) =>
        resolve({ok: false, message: `Get "http://127.0.0.1:${shown}${path}": ${e.message === 'timeout' ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : `dial tcp 127.0.0.1:${shown}: connect: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`}`}),
      );
    });
  }
  if (probe.tcpSocket) {
    const {dial, shown} = ports(probe.tcpSocket.port, target);
    return new Promise((resolve) => {
      const socket = net.connect({host: '127.0.0.1', port: dial, timeout: timeoutMs});
      socket.once('connect', () => {
        socket.destroy();
        resolve({ok: true, message: ''});
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve({ok: false, message: `dial tcp 127.0.0.1:${shown}: i/o timeout`});
      });
      socket.once('error', (e: any) => resolve({ok: false, message: `dial tcp 127.0.0.1:${shown}: connect: ${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}`}));
    });
  }
  if (probe.exec) {
    const r = isHostId(target.containerId)
      ? await execOnHost(probe.exec.command, timeoutMs)
      : await docker(['exec', target.containerId, ...probe.exec.command], timeoutMs + 5000).then((d) => ({code: d.code, output: d.stdout + d.stderr}));
    return r.code === 0 ? {ok: true, message: ''} : {ok: false, message: `command ${JSON.stringify(probe.exec.command.join(' '))} exited with ${r.code}: ${r.output.trim()}`};
  }
  return {ok: true, message: ''};
}
