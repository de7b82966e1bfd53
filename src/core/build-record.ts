// .fn/build.json: what the last successful `fn build` produced, for the next build (skip when the
// inputs are unchanged) and for deploy (the image pinned by digest). Never part of fn.yaml.
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises';
import {join} from 'node:path';

export const STATE_DIR = '.fn';
export const BUILD_RECORD = 'build.json';

export interface BuildRecord {
  /** The tag the build was given: registry/name:tag */
  image: string;
  /** The engine's image id (sha256:…); with the host builder, the manifest or index digest. */
  imageId: string;
  /** Hash of the context files, Dockerfile, build args, base images and platform. */
  inputsHash: string;
  builtAt: string;
  /** Set once pushed: registry/name@sha256:… and its digest. */
  reference?: string;
  digest?: string;
  pushedAt?: string;
  baseImage?: string;
  builderImage?: string;
  platform?: string;
  /** Which builder made it (absent: the Docker engine, as before builders were chosen). */
  builder?: 'docker' | 'host';
}

export function buildRecordPath(dir: string): string {
  return join(dir, STATE_DIR, BUILD_RECORD);
}

/** The last build's record, or undefined when there is none (or it is unreadable). */
export async function readBuildRecord(dir: string): Promise<BuildRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(buildRecordPath(dir), 'utf8'));
    return typeof record?.image === 'string' && typeof record?.imageId === 'string' && typeof record?.inputsHash === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Atomic write (temp file + rename): a reader never sees half a record. */
export async function writeBuildRecord(dir: string, record: BuildRecord): Promise<void> {
  const file = buildRecordPath(dir);
  await mkdir(join(dir, STATE_DIR), {recursive: true});
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record, null, 2) + '\n');
  await rename(tmp, file);
}
