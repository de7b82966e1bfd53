// Runs a function on the host with its runtime's invoker (runtimes/<runtime>/runtime.yaml) and waits
// until its readiness endpoint answers.
import {join} from 'node:path';
import {FnError} from '../../core/errors.js';
import type {Progress, RunRequest, RunningFunction, Runner} from '../../core/ports.js';
import {expandCommand, expandPlaceholders, loadRuntimeSpec, type RuntimeSpec} from '../../core/runtime-spec.js';
import {runtimesDir} from '../../paths.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HostRunner implements Runner {
  async run(request: RunRequest, progress: Progress): Promise<RunningFunction> {
    const spec = await loadRuntimeSpec(runtimesDir, request.config.runtime);
    const placeholders = {runtimeDir: join(runtimesDir, request.config.runtime), functionDir: request.dir};
    const [file, ...args] = expandCommand(spec, placeholders);
    const plainEnv = Object.fromEntries((request.config.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const fnEnv = {FN_FUNCTION_DIR: request.dir, FN_TEMPLATE: request.config.template ?? 'http'};
    const {execa} = await import('execa');
    await this.prepare(spec, placeholders, {...plainEnv, ...request.env, ...fnEnv}, request, progress);
    progress.step(`Starting ${request.config.name} (${request.config.runtime}) on port ${request.port}`);
    const child = execa(file, args, {
      cwd: request.dir,
      env: {...plainEnv, ...expandEnv(spec.run.env, placeholders), ...request.env, PORT: String(request.port), ...fnEnv},
      stdio: ['ignore', 'inherit', 'inherit'],
      reject: false,
      forceKillAfterDelay: 10_000,
    });
    const exited = child.then((r) => r.exitCode ?? null);
    const url = `http://127.0.0.1:${request.port}`;
    const deadline = Date.now() + (spec.run.readyTimeoutSeconds ?? 30) * 1000;
    let dead = false;
    void exited.then(() => (dead = true));
    while (!dead) {
      try {
        const res = await fetch(`${url}/health/readiness`);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new FnError('RUN_NOT_READY', 'notReady', `${request.config.name} did not answer ${url}/health/readiness within ${spec.run.readyTimeoutSeconds ?? 30}s`, {
          suggestion: 'check the output above for errors in your function',
        });
      }
      await sleep(50);
    }
    if (dead) {
      throw new FnError('RUN_EXITED', 'notReady', `${request.config.name} exited (code ${await exited}) before it was ready`, {
        suggestion: 'check the output above for errors in your function; is the port free?',
      });
    }
    return {
      url,
      pid: child.pid,
      exited,
      stop: async (signal = 'SIGTERM') => {
        child.kill(signal);
        await exited;
      },
    };
  }

  /** Runs the runtime's prepare steps (dependency install, compile, venv) with their output on stderr. */
  private async prepare(
    spec: RuntimeSpec,
    placeholders: {runtimeDir: string; functionDir: string},
    env: Record<string, string>,
    request: RunRequest,
    progress: Progress,
  ): Promise<void> {
    const {execa} = await import('execa');
    for (const step of spec.prepare ?? []) {
      const [file, ...args] = step.command.map((part) => expandPlaceholders(part, placeholders));
      if (step.description) progress.step(step.description);
      const result = await execa(file, args, {
        cwd: request.dir,
        env: {...env, ...expandEnv(step.env, placeholders)},
        stdio: ['ignore', 2, 'inherit'],
        reject: false,
        timeout: (step.timeoutSeconds ?? 600) * 1000,
      });
      if (result.failed) {
        const why = result.timedOut ? `took longer than ${step.timeoutSeconds ?? 600}s` : result.exitCode === undefined ? String(result.message) : `exited with code ${result.exitCode}`;
        throw new FnError('RUN_PREPARE_FAILED', 'buildFailed', `preparing ${request.config.name} (${[file, ...args].join(' ')}) ${why}`, {
          suggestion: 'see the output above; fix the dependency or compile error and run again',
        });
      }
    }
  }
}

function expandEnv(env: Record<string, string> | undefined, placeholders: {runtimeDir: string; functionDir: string}): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, expandPlaceholders(String(v), placeholders)]));
}
