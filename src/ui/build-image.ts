// What fn deploy and fn rollout do when no --image is given: build the function (skipped when its
// inputs are unchanged), push it, and hand back the digest reference the revision will run.
import {buildAndPush} from '../core/build.js';
import {FnError} from '../core/errors.js';
import type {FunctionConfig} from '../core/function.js';
import type {Progress} from '../core/ports.js';
import {buildAdapters} from '../factory.js';

/** `builder`: --builder where the command has it; else FN_BUILDER, or the engine when one answers, else the host builder. */
export async function pushedImage(dir: string, config: FunctionConfig, registry: string | undefined, progress: Progress, builder?: string): Promise<string> {
  const outcome = await buildAndPush(dir, config, {registry, push: true}, await buildAdapters({builder, progress}), progress);
  if (!outcome.reference) {
    throw new FnError('NO_DIGEST', 'registry', `the push of ${outcome.image} returned no digest`, {suggestion: 'push again with fn build --push, or pass --image REF@sha256:…'});
  }
  return outcome.reference;
}
