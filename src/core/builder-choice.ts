// Which builder makes the image: the Docker engine (fn's generated Dockerfile or the project's own), or
// fn's host builder (the image assembled on the host from the base image's layers and pushed straight
// to the registry, no daemon). --builder, else FN_BUILDER, else the engine when one answers and the
// host builder when none does, saying so.
import {FnError} from './errors.js';

export const BUILDER_KINDS = ['docker', 'host'] as const;
export type BuilderKind = (typeof BUILDER_KINDS)[number];

export interface BuilderChoice {
  kind: BuilderKind;
  /** Why the host builder was picked without being asked for (for the progress line). */
  note?: string;
  /** When no engine answered: its error, for builds only an engine can do (a project's own Dockerfile). */
  engineError?: FnError;
}

function parseKind(value: string, field: string): BuilderKind {
  if ((BUILDER_KINDS as readonly string[]).includes(value)) return value as BuilderKind;
  throw new FnError('INVALID_BUILDER', 'usage', `${field} "${value}" is not a builder: use ${BUILDER_KINDS.join(' or ')}`, {
    suggestion: 'docker builds through the Docker engine; host builds on this machine without one',
    details: {field, value},
  });
}

/**
 * `flag`: --builder (commands with withEnv flags have FN_BUILDER in it already); FN_BUILDER is read
 * here for the commands that build without the flag (fn rollout from source).
 * `engine` pings the Docker engine: it resolves when one answers and rejects with the FnError that
 * says why not. Only asked when neither the flag nor FN_BUILDER decides.
 */
export async function chooseBuilder(flag: string | undefined, env: NodeJS.ProcessEnv, engine: () => Promise<unknown>): Promise<BuilderChoice> {
  if (flag) return {kind: parseKind(flag, '--builder')};
  if (env.FN_BUILDER) return {kind: parseKind(env.FN_BUILDER, 'FN_BUILDER')};
  try {
    await engine();
    return {kind: 'docker'};
  } catch (e) {
    if (!(e instanceof FnError) || (e.code !== 'DOCKER_UNAVAILABLE' && e.code !== 'DOCKER_HOST_INVALID')) throw e;
    return {kind: 'host', engineError: e, note: `${e.message}: building on this host instead (--builder host; --builder docker to insist on the engine)`};
  }
}
