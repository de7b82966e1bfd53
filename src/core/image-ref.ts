// Image references (`[registry/]repository[:tag][@digest]`), checked with the grammar the Docker
// engine and registries use (distribution/reference), and how fn names a function's image.
import {FnError} from './errors.js';
import type {FunctionConfig} from './function.js';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME_LENGTH = 255;

export const DOCKER_HUB = 'docker.io';

export interface ImageRef {
  /** Registry host[:port], `docker.io` when the reference names none. */
  registry: string;
  /** Repository path inside the registry (`library/node` for `node`). */
  repository: string;
  tag?: string;
  digest?: string;
}

function invalid(value: string, field: string, why: string): FnError {
  return new FnError('INVALID_IMAGE', 'usage', `${field} "${value}" is not a valid image reference: ${why}`, {
    suggestion: 'use REGISTRY/NAME[:TAG], e.g. 127.0.0.1:5000/team/hello:latest or quay.io/team/hello:v1',
    details: {field, value},
  });
}

/** Parse and validate an image reference; `field` names where it came from (e.g. --image). */
export function parseImageRef(value: string, field = 'image'): ImageRef {
  if (!value) throw invalid(value, field, 'it is empty');
  if (/\s/.test(value)) throw invalid(value, field, 'it contains whitespace');
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(value, field, `digest "${digest}" must look like sha256:<64 hex digits>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(value, field, `tag "${tag}" may use only letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')`);
  }
  if (!rest) throw invalid(value, field, 'the repository name is missing');
  if (rest.length > MAX_NAME_LENGTH) throw invalid(value, field, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  const parts = rest.split('/');
  // The first part is a registry when it looks like a host: has a '.' or a ':' port, or is localhost.
  let registry = DOCKER_HUB;
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost' || parts[0] !== parts[0].toLowerCase())) {
    registry = parts.shift()!;
    if (!DOMAIN.test(registry)) throw invalid(value, field, `registry "${registry}" is not a host[:port]`);
  }
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      throw invalid(value, field, `"${part}" must be lowercase letters and digits, separated by '.', '_', '__' or '-'`);
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  return {registry, repository: parts.join('/'), tag, digest};
}

/** The canonical name without tag or digest: `registry/repository`. */
export function imageName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** `registry/repository:tag` (tag defaults to latest), as the engine tags a build. */
export function taggedName(ref: ImageRef): string {
  return `${imageName(ref)}:${ref.tag ?? 'latest'}`;
}

/** `registry/repository@sha256:…`: the immutable reference deploy uses. */
export function digestReference(ref: ImageRef, digest: string): string {
  return `${imageName(ref)}@${digest}`;
}

/** A registry value (`host[:port][/namespace]`) as fn.yaml, --registry or FN_REGISTRY give it. */
export function validateRegistry(value: string, field: string): string {
  const trimmed = value.replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(trimmed)) {
    throw new FnError('INVALID_REGISTRY', 'usage', `${field} "${value}" must not include a scheme`, {
      suggestion: `use ${trimmed.replace(/^[a-z]+:\/\//i, '')}`,
      details: {field, value},
    });
  }
  // Checked by parsing a reference made from it.
  try {
    parseImageRef(`${trimmed}/x`, field);
  } catch {
    throw new FnError('INVALID_REGISTRY', 'usage', `${field} "${value}" is not a registry: use HOST[:PORT][/NAMESPACE]`, {
      suggestion: 'e.g. --registry 127.0.0.1:5000/team or --registry ghcr.io/acme',
      details: {field, value},
    });
  }
  return trimmed;
}

export interface ImageChoice {
  image?: string;
  registry?: string;
  /** Used when no image or registry is configured and nothing will be pushed. */
  localFallback?: boolean;
}

/**
 * The function's image: --image, else fn.yaml `image`, else `<registry>/<name>:latest` with the
 * registry from --registry (which FN_REGISTRY sets too, ui/flags.ts withEnv), else fn.yaml `registry`.
 * Returns the parsed reference.
 */
export function resolveImage(config: FunctionConfig, choice: ImageChoice): {ref: ImageRef; name: string; source: string} {
  const pick = (value: string, source: string) => {
    const ref = parseImageRef(value, source);
    if (ref.digest) {
      throw new FnError('INVALID_IMAGE', 'usage', `${source} "${value}" names a digest; fn builds an image, so give a name with an optional tag`, {
        suggestion: `use ${imageName(ref)}${ref.tag ? `:${ref.tag}` : ''}`,
        details: {field: source, value},
      });
    }
    return {ref, name: taggedName(ref), source};
  };
  if (choice.image) return pick(choice.image, '--image');
  if (config.image) return pick(config.image, 'fn.yaml image');
  const [registry, source] = choice.registry
    ? [choice.registry, '--registry']
    : config.registry
      ? [config.registry, 'fn.yaml registry']
      : [undefined, undefined];
  if (registry && source) return pick(`${validateRegistry(registry, source)}/${config.name}:latest`, source);
  if (choice.localFallback) return pick(`localhost/${config.name}:latest`, 'default local name');
  throw new FnError('NO_REGISTRY', 'usage', `no image name for ${config.name}: set an image or a registry to push to`, {
    suggestion: 'pass --registry HOST[:PORT]/NAMESPACE (or set FN_REGISTRY, or --image), or set `registry:` in fn.yaml',
  });
}
