/**
 * JSON with sorted keys (at every depth, `undefined` members left out), so two values that mean
 * the same serialise the same however their objects were built. The one implementation: the
 * audit chain hashes it, the broker keys bindings and commands by it, the renderer compares
 * drafts with it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
