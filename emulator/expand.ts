/** Stripe's `expand[]`: replaces id fields with the objects they name, along dotted paths. */

const MAX_EXPANSION_DEPTH = 4;

/** Returns a copy of `object` with each `paths` entry (e.g. `latest_charge`, `data.customer`) expanded. */
export function expandObject<T>(object: T, paths: readonly string[], findObject: (id: string) => unknown): T {
  let expanded: unknown = structuredClone(object);
  for (const path of paths) {
    const segments = path.split('.').slice(0, MAX_EXPANSION_DEPTH);
    expanded = expandPath(expanded, segments, findObject);
  }
  return expanded as T;
}

function expandPath(node: unknown, segments: string[], findObject: (id: string) => unknown): unknown {
  if (segments.length === 0 || node === null || typeof node !== 'object') return node;
  const [field, ...rest] = segments;
  if (Array.isArray(node)) return node.map((item) => expandPath(item, segments, findObject));
  const record = node as Record<string, unknown>;
  let value = record[field];
  if (typeof value === 'string') {
    const found = findObject(value);
    if (found !== undefined) value = structuredClone(found);
  }
  record[field] = expandPath(value, rest, findObject);
  return record;
}
