// Tells whether a rollout's owner process still runs. (The health gate itself is an adapter:
// factory.ts healthGates.)
import type {Owner} from '../core/rollout/state.js';
import {hostname} from 'node:os';

/** Whether the owner still runs: only knowable on its own host (signal 0 probes without killing). */
export function ownerAlive(owner: Owner): boolean {
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e: any) {
    return e?.code === 'EPERM';
  }
}
