// Running a Kubernetes probe (httpGet, tcpSocket, exec) against a container that listens on the
// host network: the probe's port, when it is the container's port (or unset), means the host port
// the container was given. Messages read like the kubelet's, with the port the pod spec names.
import http from 'node:http';
import net from 'node:net';
import {docker} from './docker.js';

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
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

function ports(port: number | string | undefined, target: ProbeTarget): {dial: number; shown: number} {
  const n = Number(port);
  if (!n || n === target.containerPort) return {dial: target.hostPort, shown: target.containerPort ?? target.hostPort};
  return {dial: n, shown: n};
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
    const r = await docker(['exec', target.containerId, ...probe.exec.command], timeoutMs + 5000);
    return r.code === 0 ? {ok: true, message: ''} : {ok: false, message: `command ${JSON.stringify(probe.exec.command.join(' '))} exited with ${r.code}: ${(r.stdout + r.stderr).trim()}`};
  }
  return {ok: true, message: ''};
}
