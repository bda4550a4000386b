// Compare the values a release was installed with against the values deploy would install.

export interface ValueChange {
  path: string;
  from: unknown;
  to: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge in helm's order: later layers win, maps merge, lists and scalars replace. */
export function mergeValues(...layers: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeValues(out[k] as Record<string, unknown>, v) : v;
    }
  }
  return out;
}

/** Every leaf that differs, as dotted paths, sorted. */
export function diffValues(installed: unknown, desired: unknown, prefix = ''): ValueChange[] {
  if (isPlainObject(installed) && isPlainObject(desired)) {
    const keys = [...new Set([...Object.keys(installed), ...Object.keys(desired)])].sort();
    return keys.flatMap((k) => diffValues(installed[k], desired[k], prefix ? `${prefix}.${k}` : k));
  }
  if (JSON.stringify(installed) === JSON.stringify(desired)) return [];
  return [{ path: prefix, from: installed, to: desired }];
}

export function describeChange(c: ValueChange): string {
  const show = (v: unknown): string => (v === undefined ? '(unset)' : JSON.stringify(v));
  return `${c.path}: ${show(c.from)} → ${show(c.to)}`;
}
