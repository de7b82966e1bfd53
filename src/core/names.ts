// Kubernetes name rules, checked before anything is written, with a suggested fix.
import {FnError} from './errors.js';

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Turn any string into the closest DNS-1123 label ('' when nothing usable is left). */
export function toDnsLabel(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** A function name becomes a Knative Service name: a DNS-1035 label (starts with a letter), ≤ 63 chars. */
export function validateFunctionName(name: string, field = 'name'): string {
  if (name.length <= 63 && DNS1035_LABEL.test(name)) return name;
  let fix = toDnsLabel(name);
  if (fix && !/^[a-z]/.test(fix)) fix = toDnsLabel(`fn-${fix}`);
  throw new FnError(
    'INVALID_NAME',
    'usage',
    `${field} "${name}" is not a valid function name: use at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
    {suggestion: fix ? `use --name ${fix}` : 'choose a name like my-function', details: {field, value: name}},
  );
}

/** Tags become DNS labels in tag URLs (<tag>-<service>.<ns>.<domain>). */
export function validateTag(tag: string, field = 'tag'): string {
  if (tag.length <= 63 && DNS1035_LABEL.test(tag)) return tag;
  throw new FnError(
    'INVALID_TAG',
    'usage',
    `${field} "${tag}" is not a valid tag: use lowercase letters, digits and '-', starting with a letter (at most 63)`,
    {suggestion: toDnsLabel(tag) ? `try "${toDnsLabel(tag)}"` : 'use a tag like v2 or canary', details: {field, value: tag}},
  );
}
