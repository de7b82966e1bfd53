// Ports: what the core needs from the outside world. Adapters in src/adapters implement them; the
// core and the commands only ever see these interfaces.
import type {FunctionConfig} from './function.js';

/** Progress and warnings for humans: written to stderr, silenced by --json. */
export interface Progress {
  step(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Verbose detail (build log lines, API calls): shown with --verbose only. */
  detail(message: string): void;
}

export const silentProgress: Progress = {step() {}, info() {}, warn() {}, detail() {}};

// ---- scaffold -------------------------------------------------------------------------------------

export interface ScaffoldRequest {
  dir: string;
  name: string;
  runtime: FunctionConfig['runtime'];
  template: NonNullable<FunctionConfig['template']>;
  /** A local directory or git URL holding <runtime>/<template> folders (like func's --repository). */
  repository?: string;
  force?: boolean;
}
export interface ScaffoldResult {
  dir: string;
  files: string[];
  config: FunctionConfig;
}
export interface Scaffolder {
  scaffold(request: ScaffoldRequest): Promise<ScaffoldResult>;
}

// ---- build and push -------------------------------------------------------------------------------

export interface BuildRequest {
  dir: string;
  config: FunctionConfig;
  /** Full image reference to tag the build with, e.g. 127.0.0.1:5000/team/hello:latest */
  image: string;
  baseImage?: string;
  buildArgs?: Record<string, string>;
  platform?: string;
  noCache?: boolean;
}
export interface BuildResult {
  image: string;
  imageId: string;
  /** Hash of the build inputs, used to skip a build when nothing changed. */
  inputsHash: string;
}
export interface Builder {
  build(request: BuildRequest, progress: Progress): Promise<BuildResult>;
}

export interface PushResult {
  /** registry/name@sha256:… — what deploy uses. */
  reference: string;
  digest: string;
}
export interface Pusher {
  push(image: string, progress: Progress): Promise<PushResult>;
}

// ---- run locally ----------------------------------------------------------------------------------

export interface RunRequest {
  dir: string;
  config: FunctionConfig;
  port: number;
  env?: Record<string, string>;
}
export interface RunningFunction {
  url: string;
  pid?: number;
  /** Resolves when the function process exits, with its exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}
export interface Runner {
  run(request: RunRequest, progress: Progress): Promise<RunningFunction>;
}
