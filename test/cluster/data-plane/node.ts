// A Docker-backed node: what a kubelet (plus the scheduler's binding) does, for real, with the
// Docker engine. It registers the Node object, binds unscheduled pods to it, runs each pod's
// containers (`--network host`, on a free loopback port handed in as PORT), probes readiness and
// writes pod status from what really happens: image pull errors with the engine's message,
// containers that exit (exit code, last log lines) and restart with back-off, readiness only once
// the probe answers. Events are recorded as a kubelet records them, and the API server's log
// requests (`kubectl logs`) reach a small HTTPS endpoint here (logs.ts).
//
// Containers whose image is `fn-testenv.host/…` (Knative Eventing's data plane) run the binary
// up.sh built as a process on this machine instead (host.ts), each declared port on a free
// loopback port of its own.
//
// Knative's queue-proxy sidecar is not run (its image exists nowhere, and its ports are fixed):
// its status mirrors the user container, and the readiness probe it would run
// (SERVING_READINESS_PROBE) is run here against the user container.
import net from 'node:net';
import {join} from 'node:path';
import {docker, engineMessage, imagePresent, logLines, waitExit} from './docker.js';
import {forgetEvents, recordEvent} from './events.js';
import {freePortEnv, hostBinary, hostLogLines, isHostId, isHostImage, portEnv, startHostProcess, type HostProcess} from './host.js';
import {getOrUndefined, informer, KeyedQueue, KubeError, log, mergePatch, nowTime, request, sleep, type KubeObject} from './kube.js';
import {probeOnce, type Probe, type ProbeTarget} from './probe.js';

export const NODE_NAME = process.env.FN_TESTENV_NODE_NAME ?? 'fn-testenv-node';
/** Where the ingress finds a pod's user container: the host port it listens on. */
export const HOST_PORT_ANNOTATION = 'fn-testenv.dev/host-port';
/** Every declared container port's host port, as JSON {"8080": 41234, …}: how Services reach pods. */
export const HOST_PORTS_ANNOTATION = 'fn-testenv.dev/host-ports';
const HOST_IP = '127.0.0.1';
/**
 * Every container this node starts carries the instance's state directory, and the node (on start)
 * and down.sh remove only their own instance's: a second test cluster on the same machine
 * (another FN_TESTENV_DIR) must never touch the first one's containers.
 */
const INSTANCE_LABEL = 'fn-testenv.instance';
const INSTANCE = process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv';
const QUEUE_PROXY = 'queue-proxy';
const BACKOFF_START_MS = Number(process.env.FN_TESTENV_BACKOFF_MS ?? 10_000);
const BACKOFF_MAX_MS = 300_000;
const C = 'node';

type ContainerState =
  | {waiting: {reason: string; message?: string}}
  | {running: {startedAt: string}}
  | {terminated: {exitCode: number; reason: string; message?: string; startedAt?: string; finishedAt: string; containerID?: string}};

class ContainerRun {
  state: ContainerState = {waiting: {reason: 'ContainerCreating'}};
  lastState: ContainerState | Record<string, never> = {};
  restartCount = 0;
  ready = false;
  started = false;
  imageID = '';
  containerID?: string;
  /** Containers kept for `previous` logs: the current and the one before (Docker ids, or host:… for host processes). */
  ids: string[] = [];
  process?: HostProcess;

  constructor(readonly spec: any) {}

  status(): object {
    const {name, image} = this.spec;
    return {
      name,
      image,
      imageID: this.imageID,
      ...(this.containerID ? {containerID: `docker://${this.containerID}`} : {}),
      state: this.state,
      lastState: this.lastState,
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
    };
  }
}

class Sandbox {
  readonly runs = new Map<string, ContainerRun>();
  stopped = false;
  readonly startTime = nowTime();
  private conditionTimes = new Map<string, {status: string; time: string}>();
  private readonly wakers = new Set<() => void>();

  constructor(
    public pod: KubeObject,
    readonly hostPort: number,
    /** containerPort → host port, for every declared port (a Docker container's all map to hostPort, its PORT). */
    readonly hostPorts: Record<string, number>,
    private readonly writeStatus: (s: Sandbox) => void,
  ) {
    for (const c of pod.spec.containers) if (c.name !== QUEUE_PROXY) this.runs.set(c.name, new ContainerRun(c));
  }

  get ns(): string {
    return this.pod.metadata.namespace!;
  }
  get name(): string {
    return this.pod.metadata.name;
  }
  get uid(): string {
    return this.pod.metadata.uid!;
  }

  changed(): void {
    this.writeStatus(this);
  }

  /** Sleeps, but wakes early when the sandbox stops. */
  async pause(ms: number): Promise<void> {
    await new Promise<void>((r) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        r();
      }
      this.wakers.add(done);
    });
  }
  stop(): void {
    this.stopped = true;
    for (const w of this.wakers) w();
    this.wakers.clear();
  }

  status(): object {
    const runs = [...this.runs.values()];
    const allReady = runs.every((r) => r.ready);
    const anyStarted = runs.some((r) => r.started || r.restartCount > 0);
    const statuses = this.pod.spec.containers.map((c: any) => {
      if (c.name !== QUEUE_PROXY) return this.runs.get(c.name)!.status();
      // The sidecar fn cannot run: it is up with the pod, ready when the user container is.
      return {name: c.name, image: c.image, imageID: '', state: {running: {startedAt: this.startTime}}, lastState: {}, ready: allReady, started: true, restartCount: 0};
    });
    return {
      phase: anyStarted ? 'Running' : 'Pending',
      hostIP: HOST_IP,
      hostIPs: [{ip: HOST_IP}],
      podIP: HOST_IP,
      podIPs: [{ip: HOST_IP}],
      startTime: this.startTime,
      conditions: [
        this.condition('PodReadyToStartContainers', true),
        this.condition('Initialized', true),
        this.condition('Ready', allReady, allReady ? undefined : 'ContainersNotReady'),
        this.condition('ContainersReady', allReady, allReady ? undefined : 'ContainersNotReady'),
        this.condition('PodScheduled', true),
      ],
      containerStatuses: statuses,
    };
  }

  private condition(type: string, ok: boolean, reason?: string): object {
    const status = ok ? 'True' : 'False';
    const had = this.conditionTimes.get(type);
    const time = had && had.status === status ? had.time : nowTime();
    this.conditionTimes.set(type, {status, time});
    return {type, status, lastProbeTime: null, lastTransitionTime: time, ...(reason ? {reason} : {})};
  }
}

const sandboxes = new Map<string, Sandbox>(); // pod uid → sandbox
const statusQueue = new KeyedQueue<Sandbox>(C, async (_uid, s) => {
  if (s.stopped && s.pod.metadata.deletionTimestamp) return;
  await mergePatch(`/api/v1/namespaces/${s.ns}/pods/${s.name}/status`, {status: s.status()});
});
const writeStatus = (s: Sandbox) => statusQueue.push(s.uid, s);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST_IP, () => {
      const {port} = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------ environment

/** The container's environment as the kubelet would resolve it, or an error message (CreateContainerConfigError). */
async function resolveEnv(pod: KubeObject, c: any, hostPort: number): Promise<Record<string, string> | string> {
  const env: Record<string, string> = {};
  const ns = pod.metadata.namespace!;
  const sources = new Map<string, any>();
  const source = async (kind: 'secrets' | 'configmaps', name: string) => {
    const key = `${kind}/${name}`;
    if (!sources.has(key)) sources.set(key, await getOrUndefined(`/api/v1/namespaces/${ns}/${kind}/${name}`));
    const o = sources.get(key);
    if (!o) return undefined;
    if (kind === 'secrets') return Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
    return o.data ?? {};
  };
  const kindName = (kind: string) => (kind === 'secrets' ? 'secret' : 'configmap');
  for (const from of c.envFrom ?? []) {
    const [kind, ref] = from.secretRef ? (['secrets', from.secretRef] as const) : (['configmaps', from.configMapRef] as const);
    const data = await source(kind, ref.name);
    if (!data) {
      if (ref.optional) continue;
      return `${kindName(kind)} "${ref.name}" not found`;
    }
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = String(v);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) env[e.name] = fieldValue(pod, e.valueFrom.fieldRef.fieldPath);
    else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
      const kind = e.valueFrom.secretKeyRef ? 'secrets' : 'configmaps';
      const data = await source(kind, ref.name);
      if (!data || data[ref.key] === undefined) {
        if (ref.optional) continue;
        return data ? `couldn't find key ${ref.key} in ${kindName(kind)} ${ns}/${ref.name}` : `${kindName(kind)} "${ref.name}" not found`;
      }
      env[e.name] = String(data[ref.key]);
    } else if (e.valueFrom?.resourceFieldRef) continue;
    else env[e.name] = expand(e.value ?? '', env);
  }
  // The one difference from a real pod: every pod shares the host's network, so each gets its own
  // port, and PORT (which Knative sets to the container port) says which.
  if (!isHostImage(c.image) && (c.ports?.length || env.PORT !== undefined)) env.PORT = String(hostPort);
  return env;
}

function fieldValue(pod: KubeObject, path: string): string {
  const m = path.match(/^metadata\.(labels|annotations)\['(.+)'\]$/);
  if (m) return pod.metadata[m[1] as 'labels' | 'annotations']?.[m[2]] ?? '';
  const values: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': NODE_NAME,
    'spec.serviceAccountName': pod.spec.serviceAccountName,
    'status.hostIP': HOST_IP,
    'status.podIP': HOST_IP,
  };
  return values[path] ?? '';
}

/** Kubernetes' $(VAR) expansion in values, command and args ($$ escapes). */
function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name) => (whole === '$$' ? '$' : (env[name] ?? whole)));
}

/** The container that serves: in a Knative pod the one with a port (it may have any name). */
function servingContainer(pod: KubeObject): string | undefined {
  const containers = pod.spec.containers.filter((x: any) => x.name !== QUEUE_PROXY);
  return (containers.find((x: any) => x.ports?.length) ?? containers[0])?.name;
}

/** The readiness probe Knative gives the queue-proxy to run against the serving container. */
function readinessProbe(pod: KubeObject, c: any): Probe | undefined {
  const queue = pod.spec.containers.find((x: any) => x.name === QUEUE_PROXY);
  const json = queue?.env?.find((e: any) => e.name === 'SERVING_READINESS_PROBE')?.value;
  if (json && c.name === servingContainer(pod)) {
    try {
      return JSON.parse(json);
    } catch {}
  }
  return c.readinessProbe;
}

// ------------------------------------------------------------------ containers

async function pull(s: Sandbox, run: ContainerRun): Promise<boolean> {
  const {image, name} = run.spec;
  const fieldPath = `spec.containers{${name}}`;
  let backoff = BACKOFF_START_MS;
  while (!s.stopped) {
    let message: string;
    const host = isHostImage(image) ? hostBinary(image) : undefined;
    if (host && 'image' in host) {
      run.imageID = image;
      await recordEvent(s.pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, fieldPath);
      return true;
    } else if (host) {
      message = host.error;
    } else {
      const present = await imagePresent(image);
      if (present) {
        run.imageID = present;
        await recordEvent(s.pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, fieldPath);
        return true;
      }
      await recordEvent(s.pod, 'Normal', 'Pulling', `Pulling image "${image}"`, fieldPath);
      const t0 = Date.now();
      const r = await docker(['pull', '-q', image], 300_000);
      if (r.code === 0) {
        run.imageID = (await imagePresent(image)) ?? '';
        await recordEvent(s.pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - t0}ms`, fieldPath);
        return true;
      }
      message = engineMessage(r);
    }
    run.state = {waiting: {reason: 'ErrImagePull', message}};
    s.changed();
    await recordEvent(s.pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`, fieldPath);
    await recordEvent(s.pod, 'Warning', 'Failed', 'Error: ErrImagePull', fieldPath);
    await s.pause(Math.min(2000, backoff));
    if (s.stopped) break;
    run.state = {waiting: {reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${message}`}};
    s.changed();
    await recordEvent(s.pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, fieldPath);
    await recordEvent(s.pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', fieldPath);
    await s.pause(backoff);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  }
  return false;
}

function dockerRunArgs(s: Sandbox, run: ContainerRun, env: Record<string, string>): string[] {
  const c = run.spec;
  const args = ['run', '-d', '--network', 'host', '--name', `fn-pod-${s.uid.slice(0, 8)}-${c.name}-${run.restartCount}`];
  args.push('--label', `${INSTANCE_LABEL}=${INSTANCE}`, '--label', `fn-testenv.pod=${s.ns}/${s.name}`, '--label', `fn-testenv.pod-uid=${s.uid}`, '--label', `fn-testenv.container=${c.name}`);
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  const user = c.securityContext?.runAsUser ?? s.pod.spec.securityContext?.runAsUser;
  if (user !== undefined) args.push('--user', `${user}${c.securityContext?.runAsGroup !== undefined ? `:${c.securityContext.runAsGroup}` : ''}`);
  if (c.workingDir) args.push('--workdir', c.workingDir);
  const command: string[] = (c.command ?? []).map((x: string) => expand(x, env));
  const cargs: string[] = (c.args ?? []).map((x: string) => expand(x, env));
  if (command.length) args.push('--entrypoint', command[0]);
  args.push(c.image, ...command.slice(1), ...cargs);
  return args;
}

/** The kubelet's FallbackToLogsOnError: the last 80 lines, at most 2048 bytes. */
async function terminationMessage(id: string): Promise<string> {
  const lines = isHostId(id) ? hostLogLines(id, {tail: 80}) : await logLines(id, {tail: 80});
  const text = lines.map((l) => l.text).join('\n');
  return text.length > 2048 ? text.slice(-2048) : text;
}

type Started = {id: string; exited: Promise<number>} | {error: string};

async function startDocker(s: Sandbox, run: ContainerRun, env: Record<string, string>): Promise<Started> {
  const r = await docker(dockerRunArgs(s, run, env));
  if (r.code !== 0) {
    // A created-but-not-started container keeps its name: remove it.
    await docker(['rm', '-f', `fn-pod-${s.uid.slice(0, 8)}-${run.spec.name}-${run.restartCount}`]);
    return {error: engineMessage(r)};
  }
  const id = r.stdout.trim();
  return {id, exited: waitExit(id).then((code) => code ?? 137)};
}

const POD_LOGS = join(process.env.FN_TESTENV_DIR ?? '/tmp/fn-testenv', 'logs', 'pods');

async function startHost(s: Sandbox, run: ContainerRun, env: Record<string, string>): Promise<Started> {
  const binary = hostBinary(run.spec.image);
  if ('error' in binary) return binary;
  // Declared ports keep the host ports the pod was given (Services route to them); the servers
  // nobody routes to (profiling, health) get fresh ones.
  const ports: Record<string, number> = {};
  for (const [containerPort, name] of Object.entries(portEnv(run.spec.image))) {
    if (s.hostPorts[containerPort]) ports[name] = s.hostPorts[containerPort];
  }
  for (const name of freePortEnv()) if (!(name in ports)) ports[name] = await freePort();
  const logFile = join(POD_LOGS, `${s.ns}_${s.name}_${run.spec.name}-${run.restartCount}.log`);
  const p = startHostProcess(binary.image, env, ports, logFile);
  run.process = p;
  return {id: p.id, exited: p.exited};
}

async function runContainer(s: Sandbox, run: ContainerRun): Promise<void> {
  const c = run.spec;
  const fieldPath = `spec.containers{${c.name}}`;
  let backoff = BACKOFF_START_MS;
  if (!(await pull(s, run))) return;
  while (!s.stopped) {
    const env = await resolveEnv(s.pod, c, s.hostPort);
    if (typeof env === 'string') {
      run.state = {waiting: {reason: 'CreateContainerConfigError', message: env}};
      s.changed();
      await recordEvent(s.pod, 'Warning', 'Failed', `Error: ${env}`, fieldPath);
      await s.pause(BACKOFF_START_MS);
      continue;
    }
    const startedAt = nowTime();
    const started = isHostImage(c.image) ? await startHost(s, run, env) : await startDocker(s, run, env);
    let exitCode: number;
    let reason: string;
    let message: string | undefined;
    if ('error' in started) {
      // The engine could not start it (no such executable, bad user …): the kubelet's StartError.
      exitCode = 128;
      reason = 'StartError';
      message = started.error;
      await recordEvent(s.pod, 'Warning', 'Failed', `Error: failed to start container "${c.name}": ${message}`, fieldPath);
    } else {
      const {id} = started;
      run.containerID = id;
      run.ids.push(id);
      while (run.ids.length > 2) {
        const old = run.ids.shift()!;
        if (!isHostId(old)) await docker(['rm', '-f', old]);
      }
      run.state = {running: {startedAt}};
      run.started = true;
      s.changed();
      await recordEvent(s.pod, 'Normal', 'Created', `Created container ${c.name}`, fieldPath);
      await recordEvent(s.pod, 'Normal', 'Started', `Started container ${c.name}`, fieldPath);
      const prober = c.name === QUEUE_PROXY ? undefined : watchReadiness(s, run, id);
      exitCode = await started.exited;
      await prober?.stop();
      if (s.stopped) return;
      reason = exitCode === 0 ? 'Completed' : exitCode === 137 ? 'OOMKilled' : 'Error';
      if (exitCode === 137) {
        const oom = isHostId(id) ? undefined : await docker(['inspect', '--format', '{{.State.OOMKilled}}', id]);
        if (oom?.stdout.trim() !== 'true') reason = 'Error';
      }
      message = c.terminationMessagePolicy === 'FallbackToLogsOnError' && exitCode !== 0 ? await terminationMessage(id) : undefined;
    }
    const terminated = {exitCode, reason, ...(message ? {message} : {}), startedAt, finishedAt: nowTime(), ...(run.containerID ? {containerID: `docker://${run.containerID}`} : {})};
    run.ready = false;
    run.started = false;
    run.state = {terminated};
    s.changed();
    if (s.pod.spec.restartPolicy === 'Never' || (s.pod.spec.restartPolicy === 'OnFailure' && exitCode === 0)) return;
    // Restart with back-off, as CrashLoopBackOff.
    run.restartCount += 1;
    run.lastState = {terminated};
    const wait = run.restartCount === 1 ? 0 : backoff;
    if (wait > 0) {
      run.state = {waiting: {reason: 'CrashLoopBackOff', message: `back-off ${Math.round(wait / 1000)}s restarting failed container=${c.name} pod=${s.name}_${s.ns}(${s.uid})`}};
      s.changed();
      await recordEvent(s.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${s.name}_${s.ns}(${s.uid})`, fieldPath);
      await s.pause(wait);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }
}

/** Where a probe of this container dials: its declared ports' host ports. */
function probeTarget(s: Sandbox, run: ContainerRun, id: string): ProbeTarget {
  const declared: any[] = run.spec.ports ?? [];
  const names = Object.fromEntries(declared.filter((p) => p.name).map((p) => [p.name, p.containerPort]));
  if (!isHostImage(run.spec.image)) return {hostPort: s.hostPort, containerPort: declared[0]?.containerPort, containerId: id, names};
  const portMap = Object.fromEntries(declared.filter((p) => s.hostPorts[p.containerPort]).map((p) => [p.containerPort, s.hostPorts[p.containerPort]]));
  const first = declared.find((p) => s.hostPorts[p.containerPort])?.containerPort;
  return {hostPort: first ? s.hostPorts[first] : s.hostPort, containerPort: first, containerId: id, names, portMap};
}

/** Probes until the container stops: ready after successThreshold passes, unready after failureThreshold misses. */
function watchReadiness(s: Sandbox, run: ContainerRun, id: string): {stop(): Promise<void>} {
  const probe = readinessProbe(s.pod, run.spec);
  const containerPort: number | undefined = run.spec.ports?.[0]?.containerPort;
  let stopped = false;
  const done = (async () => {
    if (!probe) {
      run.ready = true;
      s.changed();
      return;
    }
    const initialDelay = (probe.initialDelaySeconds ?? 0) * 1000;
    if (initialDelay) await sleep(initialDelay);
    let passes = 0;
    let misses = 0;
    let lastEvent = 0;
    while (!stopped && !s.stopped) {
      const result = await probeOnce(probe, probeTarget(s, run, id));
      if (stopped || s.stopped) break;
      if (result.ok) {
        misses = 0;
        passes += 1;
        if (!run.ready && passes >= (probe.successThreshold ?? 1)) {
          run.ready = true;
          s.changed();
        }
      } else {
        passes = 0;
        misses += 1;
        if (run.ready && misses >= (probe.failureThreshold ?? 3)) {
          run.ready = false;
          s.changed();
        }
        // Like the kubelet, one event per probe failure, which the event recorder aggregates.
        if (Date.now() - lastEvent > 5000) {
          lastEvent = Date.now();
          void recordEvent(s.pod, 'Warning', 'Unhealthy', `Readiness probe failed: ${result.message}`, `spec.containers{${run.spec.name}}`);
        }
      }
      // Until ready, probe often (Knative's queue-proxy probes aggressively); then every period.
      await sleep(run.ready ? Math.max(1, Math.min(probe.periodSeconds ?? 10, 2)) * 1000 : 250);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
  };
}

// ------------------------------------------------------------------ pods

async function startPod(pod: KubeObject): Promise<void> {
  const hostPort = await freePort();
  // A Docker container gets one port (its PORT); a host process one per port its binary reads.
  const hostPorts: Record<string, number> = {};
  for (const c of pod.spec.containers) {
    if (c.name === QUEUE_PROXY) continue;
    const mapped = isHostImage(c.image) ? portEnv(c.image) : undefined;
    for (const p of c.ports ?? []) {
      if (!mapped) hostPorts[p.containerPort] ??= hostPort;
      else if (mapped[p.containerPort]) hostPorts[p.containerPort] = await freePort();
    }
  }
  const s = new Sandbox(pod, hostPort, hostPorts, writeStatus);
  sandboxes.set(pod.metadata.uid!, s);
  log(C, `pod ${s.ns}/${s.name}: starting on port ${hostPort}${Object.keys(hostPorts).length ? ` (container ports → host ports ${JSON.stringify(hostPorts)})` : ''}`);
  await mergePatch(`/api/v1/namespaces/${s.ns}/pods/${s.name}`, {
    metadata: {annotations: {[HOST_PORT_ANNOTATION]: String(hostPort), [HOST_PORTS_ANNOTATION]: JSON.stringify(hostPorts)}},
  }).catch(() => undefined);
  s.changed();
  await Promise.all([...s.runs.values()].map((run) => runContainer(s, run)));
}

async function stopPod(uid: string, graceSeconds: number): Promise<void> {
  const s = sandboxes.get(uid);
  if (!s) return;
  s.stop();
  const grace = Math.min(graceSeconds, 10);
  const ids = [...s.runs.values()].flatMap((r) => r.ids).filter((id) => !isHostId(id));
  await Promise.all([...s.runs.values()].map((r) => r.process?.stop(grace)));
  if (ids.length) {
    await docker(['stop', '-t', String(grace), ...ids], 60_000);
    await docker(['rm', '-f', ...ids], 60_000);
  }
  sandboxes.delete(uid);
  forgetEvents(uid);
  log(C, `pod ${s.ns}/${s.name}: stopped`);
}

async function finishDeletion(pod: KubeObject): Promise<void> {
  await stopPod(pod.metadata.uid!, pod.metadata.deletionGracePeriodSeconds ?? 30);
  // The kubelet's last word: the pod is gone from the node, so the API server may delete it now.
  try {
    await request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: {uid: pod.metadata.uid},
    });
  } catch (e) {
    if (!(e instanceof KubeError && (e.code === 404 || e.code === 409))) throw e;
  }
}

async function bind(pod: KubeObject): Promise<void> {
  const {namespace, name} = pod.metadata;
  await request('POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: {name, namespace, uid: pod.metadata.uid},
    target: {apiVersion: 'v1', kind: 'Node', name: NODE_NAME},
  });
  await recordEvent(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${NODE_NAME}`, undefined, 'default-scheduler');
}

const podQueue = new KeyedQueue<{type: string; pod: KubeObject}>(C, async (_uid, {type, pod}) => {
  const uid = pod.metadata.uid!;
  if (type === 'DELETED') return stopPod(uid, 0);
  if (pod.metadata.deletionTimestamp) {
    if (pod.spec.nodeName === NODE_NAME) return finishDeletion(pod);
    return;
  }
  if (!pod.spec.nodeName) return bind(pod);
  if (pod.spec.nodeName !== NODE_NAME) return;
  const s = sandboxes.get(uid);
  if (s) {
    s.pod = pod;
    return;
  }
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
  void startPod(pod).catch((e) => log(C, `pod ${pod.metadata.namespace}/${pod.metadata.name}: ${e?.message ?? e}`));
});

// ------------------------------------------------------------------ the Node object

async function registerNode(kubeletPort: number): Promise<void> {
  const path = `/api/v1/nodes/${NODE_NAME}`;
  if (!(await getOrUndefined(path))) {
    await request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {name: NODE_NAME, labels: {'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'fn-testenv.dev/node': 'docker'}},
    });
  }
  await heartbeat(kubeletPort);
  setInterval(() => void heartbeat(kubeletPort).catch((e) => log(C, `heartbeat: ${e.message}`)), 30_000).unref();
}

async function heartbeat(kubeletPort: number): Promise<void> {
  const now = nowTime();
  const resources = {cpu: '2', memory: '24Gi', pods: '110', 'ephemeral-storage': '100Gi'};
  await mergePatch(`/api/v1/nodes/${NODE_NAME}/status`, {
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [{type: 'InternalIP', address: HOST_IP}],
      daemonEndpoints: {kubeletEndpoint: {Port: kubeletPort}},
      conditions: [{type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'docker-backed test node (test/cluster/data-plane/node.ts) is ready', lastHeartbeatTime: now, lastTransitionTime: now}],
      nodeInfo: {
        machineID: 'fn-testenv',
        systemUUID: 'fn-testenv',
        bootID: 'fn-testenv',
        kernelVersion: '',
        osImage: 'fn test environment',
        containerRuntimeVersion: 'docker://',
        kubeletVersion: 'v1.32.2',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  });
}

/** Containers left by an earlier run of this instance's node (its pods' state is gone with etcd's). */
async function removeLeftovers(): Promise<void> {
  const r = await docker(['ps', '-aq', '--filter', `label=${INSTANCE_LABEL}=${INSTANCE}`], 30_000);
  const ids = r.stdout.split('\n').filter(Boolean);
  if (ids.length) {
    log(C, `removing ${ids.length} container(s) left by an earlier run`);
    await docker(['rm', '-f', ...ids], 120_000);
  }
}

/** The running container of a pod's container (or the one before it), for the log endpoint. */
export function containerFor(namespace: string, pod: string, container: string, previous: boolean): string | undefined {
  for (const s of sandboxes.values()) {
    if (s.ns !== namespace || s.name !== pod) continue;
    const ids = s.runs.get(container)?.ids ?? [];
    return previous ? ids.at(-2) : ids.at(-1);
  }
  return undefined;
}

export async function startNode(kubeletPort: number): Promise<void> {
  await removeLeftovers();
  await registerNode(kubeletPort);
  void informer(
    '/api/v1/pods',
    {},
    (type, pod) => podQueue.push(pod.metadata.uid!, {type, pod}),
    (all) => {
      // Pods deleted while the watch was down.
      const alive = new Set(all.map((p) => p.metadata.uid));
      for (const uid of sandboxes.keys()) if (!alive.has(uid)) void stopPod(uid, 0);
    },
  );
  log(C, `node ${NODE_NAME} registered (kubelet endpoint https://${HOST_IP}:${kubeletPort})`);
}
