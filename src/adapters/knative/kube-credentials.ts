// Where a request's credentials come from, and how they are renewed: fixed ones from the kubeconfig,
// a token file read again after a 401 (projected service-account tokens rotate), or an exec
// credential plugin (EKS, GKE, AKS: `aws eks get-token`, gke-gcloud-auth-plugin, kubelogin) run as
// kubectl runs it — command, args and env from the kubeconfig, an ExecCredential printed on stdout —
// again once its expirationTimestamp has passed, and once after a 401.
import {readFileSync} from 'node:fs';
import {FnError} from '../../core/errors.js';

/** What one request authenticates with (merged over the kubeconfig's fixed headers and TLS). */
export interface Credential {
  headers: Record<string, string>;
  /** PEM client certificate and key, when the credential is one. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface CredentialSource {
  /** The credential to send now (runs the plugin on first use and after expiry). */
  current(): Promise<Credential>;
  /** After `used` got a 401: a fresh credential, or undefined when there is no other to get. */
  refresh(used: Credential): Promise<Credential | undefined>;
}

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export const INTERACTIVE_MODES = ['Never', 'IfAvailable', 'Always'] as const;

/** users[].user.exec of a kubeconfig, checked and with the command's path resolved. */
export interface ExecConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
  apiVersion: (typeof EXEC_API_VERSIONS)[number];
  interactiveMode: (typeof INTERACTIVE_MODES)[number];
  installHint?: string;
  /** spec.cluster for KUBERNETES_EXEC_INFO when provideClusterInfo is set. */
  cluster?: Record<string, unknown>;
  /** For messages: the kubeconfig user and context. */
  user: string;
  context: string;
}

export function fixedCredential(credential: Credential): CredentialSource {
  return {current: async () => credential, refresh: async () => undefined};
}

/** A bearer token read from a file (`token`: as read already), read again after a 401 (it may have been rotated). */
export function tokenFileCredential(file: string, token: string): CredentialSource {
  const bearer = (t: string): Credential => ({headers: {Authorization: `Bearer ${t}`}});
  const read = (): Credential => {
    try {
      return bearer(readFileSync(file, 'utf8').trim());
    } catch {
      // Gone or unreadable now: the 401 stands.
      return credential;
    }
  };
  let credential = bearer(token);
  return {
    current: async () => credential,
    async refresh(used) {
      if (used !== credential) return credential;
      const fresh = read();
      if (fresh.headers.Authorization === used.headers.Authorization) return undefined;
      return (credential = fresh);
    },
  };
}

interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

/** An exec plugin's credential, cached until its expirationTimestamp (kubectl's rule) or a 401. */
export class ExecCredentialSource implements CredentialSource {
  private cached?: {credential: Credential; expiresAt?: number};
  private running?: Promise<Credential>;

  constructor(
    readonly exec: ExecConfig,
    /** How long a plugin that does not talk to the user may run. */
    private readonly timeoutMs: number,
  ) {}

  async current(): Promise<Credential> {
    const cached = this.cached;
    if (cached && (cached.expiresAt === undefined || Date.now() < cached.expiresAt)) return cached.credential;
    return this.run();
  }

  async refresh(used: Credential): Promise<Credential | undefined> {
    // Another request already got a newer one.
    if (this.cached && this.cached.credential !== used) return this.cached.credential;
    this.cached = undefined;
    return this.run();
  }

  /** One plugin run at a time: concurrent requests share it. */
  private run(): Promise<Credential> {
    this.running ??= runPlugin(this.exec, this.timeoutMs)
      .then(({credential, expiresAt}) => {
        this.cached = {credential, expiresAt};
        return credential;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}

function pluginError(exec: ExecConfig, why: string, cause?: unknown, suggestion?: string): FnError {
  return new FnError('CREDENTIALS_FAILED', 'clusterUnreachable', `cannot get credentials for context "${exec.context}": the exec plugin "${exec.command}" (user "${exec.user}") ${why}`, {
    ...(cause === undefined ? {} : {cause}),
    suggestion: suggestion ?? exec.installHint?.trim() ?? `run "${exec.command}" yourself to see what it needs (a login, a profile), then retry`,
    details: {context: exec.context, user: exec.user, command: exec.command},
  });
}

/** Runs the plugin once and reads its ExecCredential. */
export async function runPlugin(exec: ExecConfig, timeoutMs: number): Promise<{credential: Credential; expiresAt?: number}> {
  const canAsk = Boolean(process.stdin.isTTY) && !process.env.CI;
  const interactive = exec.interactiveMode !== 'Never' && canAsk;
  if (exec.interactiveMode === 'Always' && !interactive) {
    return Promise.reject(
      pluginError(exec, 'needs a terminal to ask for a login (interactiveMode: Always), but there is none (CI, or stdin is not a terminal)', undefined, `log in once in a terminal (run "${exec.command}"), or use a kubeconfig whose plugin runs without asking`),
    );
  }
  const info = {kind: 'ExecCredential', apiVersion: exec.apiVersion, spec: {interactive, ...(exec.cluster ? {cluster: exec.cluster} : {})}};
  // Loaded here, for kubeconfigs with a plugin: child_process is a dozen Node modules at every start.
  const {spawn} = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args, {
      env: {...process.env, ...exec.env, KUBERNETES_EXEC_INFO: JSON.stringify(info)},
      // A plugin that may ask (a login prompt) gets the terminal; stdout is always the credential.
      stdio: [interactive ? 'inherit' : 'ignore', 'pipe', interactive ? 'inherit' : 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => stdout.push(c));
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    // Waiting on a person has no bound; a plugin that runs on its own does.
    let timedOut = false;
    const timer = interactive
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
    const lastLines = () => Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join(' / ');
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? pluginError(exec, 'was not found (not installed, or not on PATH)', e) : pluginError(exec, `could not be started: ${e.message}`, e));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(pluginError(exec, `did not finish within ${timeoutMs / 1000}s`, undefined, `run "${exec.command}" yourself to see where it waits; FN_API_TIMEOUT_MS sets its bound`));
      if (code !== 0) return reject(pluginError(exec, `failed (${code === null ? `signal ${signal}` : `exit code ${code}`})${stderr.length ? `: ${lastLines()}` : ''}`));
      try {
        resolve(readExecCredential(exec, Buffer.concat(stdout).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The plugin's stdout → the credential and when it expires. */
export function readExecCredential(exec: ExecConfig, text: string): {credential: Credential; expiresAt?: number} {
  let parsed: {kind?: string; apiVersion?: string; status?: ExecCredentialStatus};
  try {
    parsed = JSON.parse(text);
  } catch {
    throw pluginError(exec, `printed no ExecCredential JSON on stdout (it printed ${JSON.stringify(text.trim().slice(0, 80))})`);
  }
  if (parsed?.kind !== 'ExecCredential' || parsed.apiVersion !== exec.apiVersion) {
    throw pluginError(exec, `printed kind ${JSON.stringify(parsed?.kind)} apiVersion ${JSON.stringify(parsed?.apiVersion)}; the kubeconfig asks for an ExecCredential of ${exec.apiVersion}`);
  }
  const status = parsed.status ?? {};
  const hasCert = Boolean(status.clientCertificateData);
  if (hasCert !== Boolean(status.clientKeyData)) throw pluginError(exec, 'printed a client certificate without its key (or a key without its certificate)');
  if (!status.token && !hasCert) throw pluginError(exec, 'printed an ExecCredential with neither a token nor a client certificate');
  let expiresAt: number | undefined;
  if (status.expirationTimestamp) {
    expiresAt = Date.parse(status.expirationTimestamp);
    if (Number.isNaN(expiresAt)) throw pluginError(exec, `printed expirationTimestamp ${JSON.stringify(status.expirationTimestamp)}, which is not an RFC 3339 time`);
  }
  return {
    credential: {
      headers: status.token ? {Authorization: `Bearer ${status.token}`} : {},
      ...(hasCert ? {cert: status.clientCertificateData, key: status.clientKeyData} : {}),
    },
    ...(expiresAt === undefined ? {} : {expiresAt}),
  };
}
