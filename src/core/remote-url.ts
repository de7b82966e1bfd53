// The URL `fn invoke --target remote` sends to: the function's URL, or a tag's own URL. Pure.
import {FnError} from './errors.js';
import type {DeployedFunction} from './ports.js';

export function remoteUrl(fn: Pick<DeployedFunction, 'name' | 'namespace' | 'url' | 'statusTraffic'>, tag?: string): string {
  if (tag) {
    const target = fn.statusTraffic.find((t) => t.tag === tag);
    if (!target?.url) {
      const tags = fn.statusTraffic.filter((t) => t.tag).map((t) => t.tag);
      throw new FnError('UNKNOWN_TAG', 'notFound', `${fn.name} has no tag "${tag}" with a URL. Tags: ${tags.join(', ') || '(none)'}`, {
        suggestion: tags.length ? `use one of: ${tags.join(', ')}` : `tag a revision: fn traffic ${fn.name} --tag REVISION=${tag}`,
      });
    }
    return target.url;
  }
  if (!fn.url) {
    throw new FnError('NO_URL', 'notReady', `${fn.name} (namespace "${fn.namespace}") has no URL yet: Knative has not made its route ready`, {
      suggestion: `fn describe ${fn.name} -n ${fn.namespace} shows why`,
    });
  }
  return fn.url;
}
