// The image contract of fn's generated build, read from the runtime's Dockerfile itself (its final
// stage): WORKDIR, ENV, USER, EXPOSE, CMD / ENTRYPOINT and LABEL, with ARGs and the base image's
// environment expanded as the Docker builder does. The host builder applies the same settings to its
// image config, so both builders give a function the same user, PORT, labels and entrypoint, and the
// Dockerfile stays the one place they are written.
import {DockerfileParser, type Instruction, type PropertyInstruction} from 'dockerfile-ast';
import {FnError} from './errors.js';

/** The parts of an OCI image config (`config` of the config JSON) a Dockerfile stage sets. */
export interface ImageSettings {
  Env: string[];
  User?: string;
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Labels?: Record<string, string>;
}

/** ${NAME}, $NAME, ${NAME:-default} and ${NAME:+alternative}, as the Dockerfile word expansion does. */
export function expandVariables(text: string, vars: Record<string, string>): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, op, word, bare) => {
    if (whole === '\\$') return '$';
    const name = braced ?? bare;
    const value = vars[name];
    if (op === '-') return value ? value : word;
    if (op === '+') return value ? word : '';
    return value ?? '';
  });
}

function envMap(env: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of env) {
    const i = entry.indexOf('=');
    if (i > 0) out[entry.slice(0, i)] = entry.slice(i + 1);
  }
  return out;
}

function execForm(instruction: Instruction): string[] {
  const text = instruction.getArgumentsContent() ?? '';
  try {
    const parsed = JSON.parse(text);
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
  } catch {
    // shell form below
  }
  return ['/bin/sh', '-c', text];
}

/**
 * What the final stage of `dockerfile` sets on top of `base` (the base image's config), with `buildArgs`
 * for its ARGs. Docker's rules: ENV and LABEL values see the ARGs and the environment so far; an
 * ENTRYPOINT resets an inherited CMD; EXPOSE adds to the base's ports.
 */
export function finalStageSettings(dockerfile: string, base: Partial<ImageSettings>, buildArgs: Record<string, string>): ImageSettings {
  const parsed = DockerfileParser.parse(dockerfile);
  const instructions = parsed.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  if (lastFrom < 0) throw new FnError('DOCKERFILE_INVALID', 'unexpected', 'fn\'s runtime Dockerfile has no FROM');
  const env = envMap(base.Env);
  const order = (base.Env ?? []).map((e) => e.slice(0, e.indexOf('=')));
  const args: Record<string, string> = {};
  const labels: Record<string, string> = {...(base.Labels ?? {})};
  const ports: Record<string, object> = {...(base.ExposedPorts ?? {})};
  const settings: ImageSettings = {Env: [], User: base.User, WorkingDir: base.WorkingDir, Cmd: base.Cmd ?? null, Entrypoint: base.Entrypoint ?? null};
  let cmdSet = false;
  const vars = () => ({...env, ...args});
  for (const instruction of instructions.slice(lastFrom + 1)) {
    const keyword = instruction.getKeyword();
    switch (keyword) {
      case 'ARG':
        for (const p of (instruction as PropertyInstruction).getProperties()) {
          const name = p.getName();
          args[name] = buildArgs[name] ?? expandVariables(p.getValue() ?? '', vars());
        }
        break;
      case 'ENV': {
        const before = vars();
        for (const p of (instruction as PropertyInstruction).getProperties()) {
          const name = p.getName();
          if (!(name in env)) order.push(name);
          env[name] = expandVariables(p.getValue() ?? '', before);
        }
        break;
      }
      case 'LABEL':
        for (const p of (instruction as PropertyInstruction).getProperties()) labels[p.getName()] = expandVariables(p.getValue() ?? '', vars());
        break;
      case 'WORKDIR': {
        const dir = expandVariables(instruction.getArgumentsContent() ?? '', vars());
        settings.WorkingDir = dir.startsWith('/') ? dir : `${settings.WorkingDir ?? '/'}/${dir}`.replace(/\/+/g, '/');
        break;
      }
      case 'USER':
        settings.User = expandVariables(instruction.getArgumentsContent() ?? '', vars());
        break;
      case 'EXPOSE':
        for (const port of instruction.getArguments().map((a) => expandVariables(a.getValue(), vars()))) ports[port.includes('/') ? port : `${port}/tcp`] = {};
        break;
      case 'CMD':
        settings.Cmd = execForm(instruction);
        cmdSet = true;
        break;
      case 'ENTRYPOINT':
        settings.Entrypoint = execForm(instruction);
        if (!cmdSet) settings.Cmd = null;
        break;
      default:
        // COPY, RUN…: what goes into the layers, which the host builder assembles itself.
        break;
    }
  }
  settings.Env = order.map((name) => `${name}=${env[name]}`);
  if (Object.keys(ports).length) settings.ExposedPorts = ports;
  if (Object.keys(labels).length) settings.Labels = labels;
  return settings;
}
