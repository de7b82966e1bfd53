// The one Ctrl-C / SIGTERM handling of fn: the first signal asks the running work to stop (an
// AbortSignal, so waits end and a rollout rolls back); a second leaves at once with exit 130.
export interface Interruptible {
  signal: AbortSignal;
  dispose(): void;
}

export function interruptible(options: {onFirst?(signal: NodeJS.Signals): void; onSecond?(signal: NodeJS.Signals): void} = {}): Interruptible {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      options.onFirst?.(name);
      controller.abort();
      return;
    }
    options.onSecond?.(name);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
