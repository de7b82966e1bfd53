// What the in-memory ports (memory-knative.ts, memory-eventing.ts) watch with: a change counter and
// a wait for the next change, bounded by real time and a signal, as a watch is.
export class Changes {
  private count = 0;
  private readonly listeners = new Set<() => void>();

  /** The number of changes so far: what nextChange waits past. */
  get seen(): number {
    return this.count;
  }

  notify(): void {
    this.count++;
    for (const listener of [...this.listeners]) listener();
  }

  /** True once there is a change after `since` (at once if there is already), false when `ms` pass or the signal aborts first. */
  next(since: number, ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.count !== since) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(onChange);
        signal?.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const onChange = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, ms));
      this.listeners.add(onChange);
      signal?.addEventListener('abort', onAbort, {once: true});
    });
  }
}
