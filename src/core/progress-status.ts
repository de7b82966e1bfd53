// The one way the core and the adapters report a step's current state (a build step, a condition),
// whatever Progress they were given: its `status` where it has one, else a plain line.
import type {Progress} from './ports.js';

export function reportStatus(progress: Progress, message: string): void {
  if (progress.status) progress.status(message);
  else progress.info(message);
}
