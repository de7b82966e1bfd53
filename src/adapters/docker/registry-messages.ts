// What the Docker engine says when a registry fails it, in one place: the builder (pulling base
// images) and the pusher classify a registry failure by these same patterns. And how fn reports a
// registry failure, whoever met it (the engine's pusher, or fn's own registry client for the host
// builder): registryFailure.
import {FnError} from '../../core/errors.js';
import {credentialOrigin, readDockerConfig, type RegistryAuth} from './credentials.js';

export const REGISTRY_UNREACHABLE = /connection refused|no such host|i\/o timeout|dial tcp|TLS handshake|server gave HTTP response|network is unreachable|EOF$/i;
export const REGISTRY_TLS = /x509|certificate|tls:/i;
export const REGISTRY_UNAUTHORIZED = /unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied|forbidden/i;
export const IMAGE_NOT_FOUND = /not found|manifest unknown|repository does not exist|no such image|name unknown/i;

export type RegistryFailure = 'tls' | 'unreachable' | 'unauthorized' | 'failed';

/**
 * The FnError for a registry failure. `verifier`: who checked the certificate — the engine (it trusts
 * /etc/docker/certs.d) or fn itself (Node trusts NODE_EXTRA_CA_CERTS).
 */
export async function registryFailure(
  kind: RegistryFailure,
  message: string,
  context: {registry: string; image: string; auth?: RegistryAuth; verifier?: 'engine' | 'fn'; action?: string},
): Promise<FnError> {
  const {registry, image, auth} = context;
  const details = {registry, image, engineMessage: message};
  if (kind === 'tls') {
    return new FnError('REGISTRY_TLS', 'registry', `registry ${registry} presented a certificate ${context.verifier === 'fn' ? 'fn' : 'the engine'} does not trust: ${message}`, {
      suggestion:
        context.verifier === 'fn'
          ? `point NODE_EXTRA_CA_CERTS at the registry's CA certificate (a PEM file), e.g. NODE_EXTRA_CA_CERTS=/path/to/ca.crt`
          : `put the registry's CA certificate in /etc/docker/certs.d/${registry}/ca.crt on the engine's host`,
      details,
    });
  }
  if (kind === 'unreachable') {
    return new FnError('REGISTRY_UNREACHABLE', 'registry', `registry ${registry} is unreachable: ${message}`, {
      suggestion: `check the registry address (--registry, fn.yaml registry, FN_REGISTRY) and that it is running: curl -sI https://${registry}/v2/`,
      details,
    });
  }
  if (kind === 'unauthorized') {
    const source = credentialOrigin(registry, await readDockerConfig());
    const who = auth ? `the credentials for ${auth.username ? `user "${auth.username}"` : 'a token'} from ${source}` : `anonymous access (no credentials for ${registry} in ${source})`;
    return new FnError('REGISTRY_AUTH_FAILED', 'registry', `registry ${registry} refused ${who}: ${message}`, {
      suggestion: `log in again: docker login ${registry}`,
      details,
    });
  }
  return new FnError('PUSH_FAILED', 'registry', `${context.action ?? `pushing ${image}`} failed: ${message}`, {suggestion: 'run again with --verbose to see the push log', details});
}
