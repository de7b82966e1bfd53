// Server-side apply removes the fields a manager applied before and leaves out now. So a write that
// changes only spec.traffic must re-send everything else fn applied (template, labels…). This extracts
// from a live object exactly the fields a manager owns, as client-go's Extract* helpers do, by walking
// the managedFields "FieldsV1" trie: f:<field>, k:<list keys>, v:<set value>, i:<index>, "." (self).

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

type Trie = Record<string, unknown>;

function isLeaf(trie: Trie): boolean {
  return Object.keys(trie).every((k) => k === '.');
}

function matchesKey(element: unknown, key: Record<string, unknown>): boolean {
  if (!element || typeof element !== 'object') return false;
  return Object.entries(key).every(([k, v]) => JSON.stringify((element as Record<string, unknown>)[k]) === JSON.stringify(v));
}

function extractValue(value: unknown, trie: Trie): unknown {
  if (isLeaf(trie)) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [path, child] of Object.entries(trie)) {
      if (path.startsWith('k:')) {
        const key = JSON.parse(path.slice(2)) as Record<string, unknown>;
        const element = value.find((e) => matchesKey(e, key));
        if (element !== undefined) out.push({...key, ...(extractValue(element, child as Trie) as object)});
      } else if (path.startsWith('v:')) {
        const wanted = path.slice(2);
        const element = value.find((e) => JSON.stringify(e) === wanted);
        if (element !== undefined) out.push(element);
      } else if (path.startsWith('i:')) {
        const element = value[Number(path.slice(2))];
        if (element !== undefined) out.push(extractValue(element, child as Trie));
      }
    }
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [path, child] of Object.entries(trie)) {
      if (!path.startsWith('f:')) continue;
      const field = path.slice(2);
      const v = (value as Record<string, unknown>)[field];
      if (v !== undefined) out[field] = extractValue(v, child as Trie);
    }
    return out;
  }
  return value;
}

/** The fields `manager` applied (operation Apply) to `live`, or undefined when it applied none. */
export function extractApplied<T extends {metadata?: {managedFields?: ManagedFieldsEntry[]}}>(live: T, manager: string): Record<string, unknown> | undefined {
  const entry = live.metadata?.managedFields?.find((m) => m.manager === manager && m.operation === 'Apply' && !m.subresource);
  if (!entry?.fieldsV1) return undefined;
  return extractValue(live, entry.fieldsV1 as Trie) as Record<string, unknown>;
}

/** Entries of managers other than `manager` that own fields of the object itself (not its status). */
function others(live: {metadata?: {managedFields?: ManagedFieldsEntry[]}}, manager: string): ManagedFieldsEntry[] {
  return (live.metadata?.managedFields ?? []).filter((m) => m.manager !== manager && !m.subresource && m.fieldsV1);
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(source)) {
    const have = target[k];
    target[k] = have && v && typeof have === 'object' && typeof v === 'object' && !Array.isArray(have) && !Array.isArray(v) ? mergeInto({...(have as Record<string, unknown>)}, v as Record<string, unknown>) : v;
  }
  return target;
}

/** The fields other managers own on `live` (Apply or Update), merged; undefined when there are none. */
export function extractSetByOthers<T extends {metadata?: {managedFields?: ManagedFieldsEntry[]}}>(live: T, manager: string): Record<string, unknown> | undefined {
  const entries = others(live, manager);
  if (entries.length === 0) return undefined;
  return entries.reduce((all, m) => mergeInto(all, extractValue(live, m.fieldsV1 as Trie) as Record<string, unknown>), {} as Record<string, unknown>);
}

/** The managers owning the field at `path` (e.g. ['spec', 'traffic']), status aside. */
export function fieldOwners(live: {metadata?: {managedFields?: ManagedFieldsEntry[]}}, path: string[]): string[] {
  return (live.metadata?.managedFields ?? [])
    .filter((m) => !m.subresource && m.manager && path.reduce<unknown>((trie, field) => (trie as Trie | undefined)?.[`f:${field}`], m.fieldsV1) !== undefined)
    .map((m) => m.manager as string);
}
