// Pushes through the engine with the user's registry credentials, and returns the digest the
// registry stored, so the image can be referenced immutably (registry/name@sha256:…).
import type Docker from 'dockerode';
import {FnError} from '../../core/errors.js';
import {digestReference, parseImageRef} from '../../core/image-ref.js';
import type {Progress, PushResult, Pusher} from '../../core/ports.js';
import {credentialsFor, type RegistryAuth} from './credentials.js';
import {connectEngine, engineMessage} from './engine.js';
import {REGISTRY_TLS, REGISTRY_UNAUTHORIZED, REGISTRY_UNREACHABLE, registryFailure} from './registry-messages.js';

interface PushEvent {
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: {message?: string};
  aux?: {Tag?: string; Digest?: string; Size?: number};
}


/** Never let a secret through in a message, whatever the engine or registry said. */
function redact(text: string, auth?: RegistryAuth): string {
  let out = text;
  for (const secret of [auth?.password, auth?.identitytoken]) if (secret) out = out.split(secret).join('***');
  return out;
}

export class DockerPusher implements Pusher {
  constructor(private readonly engine: () => Promise<Docker> = connectEngine) {}

  async push(image: string, progress: Progress): Promise<PushResult> {
    const ref = parseImageRef(image);
    const docker = await this.engine();
    const auth = await credentialsFor(ref.registry);
    const repo = `${ref.registry}/${ref.repository}`;
    const tag = ref.tag ?? 'latest';
    progress.step(`Pushing ${repo}:${tag}${auth ? ` as ${auth.username ?? 'token'}` : ''}`);
    const started = Date.now();
    const pushed = new Set<string>();
    const existing = new Set<string>();
    let digest: string | undefined;
    let error: string | undefined;
    try {
      const stream = await docker.getImage(repo).push({tag, authconfig: auth ?? {serveraddress: ref.registry}});
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (e: PushEvent) => {
            if (e.error || e.errorDetail) error = (e.errorDetail?.message ?? e.error ?? '').trim();
            if (e.aux?.Digest) digest = e.aux.Digest;
            if (e.status === 'Pushed' && e.id) pushed.add(e.id);
            if ((e.status === 'Layer already exists' || e.status?.startsWith('Mounted from')) && e.id) existing.add(e.id);
            if (e.status && !e.progress) progress.detail(redact(`${e.id ? `${e.id}: ` : ''}${e.status}`, auth));
          },
        );
      });
    } catch (e) {
      error ??= engineMessage(e);
    }
    if (error) throw await pushError(redact(error, auth), ref.registry, image, auth);
    if (!digest) throw new FnError('PUSH_NO_DIGEST', 'registry', `the registry accepted ${image} but reported no digest`, {suggestion: 'push again; if it repeats, check the registry'});
    progress.status(`Pushed ${repo}@${digest} in ${((Date.now() - started) / 1000).toFixed(1)}s (${pushed.size} layers uploaded, ${existing.size} already there)`);
    return {reference: digestReference(ref, digest), digest, layersPushed: pushed.size, layersExisting: existing.size};
  }
}

async function pushError(message: string, registry: string, image: string, auth?: RegistryAuth): Promise<FnError> {
  const kind = REGISTRY_TLS.test(message) ? 'tls' : REGISTRY_UNREACHABLE.test(message) ? 'unreachable' : REGISTRY_UNAUTHORIZED.test(message) ? 'unauthorized' : 'failed';
  return registryFailure(kind, message, {registry, image, auth, verifier: 'engine'});
}
