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
    {suggestion: fix ? `use --name ${fix}` : 'choose a name like my-function', details: {field, value: name, ...(fix ? {fix} : {})}},
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

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A namespace is a DNS-1123 label (it may start with a digit), ≤ 63 chars. */
export function validateNamespace(namespace: string, field = 'namespace'): string {
  if (namespace.length <= 63 && DNS1123_LABEL.test(namespace)) return namespace;
  const fix = toDnsLabel(namespace);
  throw new FnError(
    'INVALID_NAMESPACE',
    'usage',
    `${field} "${namespace}" is not a valid namespace: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
    {suggestion: fix ? `use --namespace ${fix}` : 'use a namespace like default or team-a', details: {field, value: namespace, ...(fix ? {fix} : {})}},
  );
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a label or annotation key, and a label value: alphanumerics, '-', '_', '.' inside. */
const QUALIFIED_NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * Why `key` is not a Kubernetes label / annotation key (an optional DNS-subdomain prefix and '/', then
 * a name of at most 63 characters), or undefined when it is one. The API server's IsQualifiedName.
 */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "has more than one '/': use PREFIX/NAME or NAME";
  const name = parts.at(-1) as string;
  const prefix = parts.length === 2 ? parts[0] : undefined;
  if (prefix !== undefined && !(prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix))) {
    return `has the prefix "${prefix}", which is not a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253)`;
  }
  if (name.length > 63) return `has a name part of ${name.length} characters (at most 63)`;
  if (!QUALIFIED_NAME_PART.test(name)) return "needs a name of letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}

/** Why `value` is not a label value (empty, or at most 63 of the name characters), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `is ${value.length} characters long (a label value has at most 63)`;
  if (!QUALIFIED_NAME_PART.test(value)) return "may hold only letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or be empty)";
  return undefined;
}
