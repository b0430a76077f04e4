const MASK = '••••';

/** A secret json field (MCP environment variables) holds several secrets: each string inside counts. */
function leaves(value: string): string[] {
  const t = value.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return [value];
  try {
    const out: string[] = [value];
    const walk = (v: unknown): void => {
      // Flags like "1" or "on" beside the real secrets would garble every message if masked.
      if (typeof v === 'string' && v.length >= 4) out.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(JSON.parse(t));
    return out;
  } catch {
    return [value];
  }
}

/**
 * Replaces every secret value of a connection in a message, raw and in the encodings a driver or
 * URL might echo it in (percent-encoded, JSON-escaped, base64 as in Basic auth). Longest first,
 * so a secret that contains another is masked whole.
 */
export function scrubSecrets(text: string, secrets: Record<string, string> | readonly string[]): string {
  const values = Array.isArray(secrets) ? secrets : Object.values(secrets);
  const needles = new Set<string>();
  for (const value of values.flatMap((v) => (typeof v === 'string' ? leaves(v) : []))) {
    if (value === '') continue;
    needles.add(value);
    needles.add(encodeURIComponent(value));
    needles.add(JSON.stringify(value).slice(1, -1));
    if (value.length >= 4) needles.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
  }
  let out = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    if (needle !== '') out = out.split(needle).join(MASK);
  }
  return out;
}
