const MASK = '••••';

/**
 * Removes every known secret value from a message before it leaves the broker (driver errors
 * sometimes echo a password or a URL with credentials in it).
 */
export function scrub(message: string, secrets: Iterable<string>): string {
  let out = message;
  for (const s of withJsonMembers(secrets)) {
    if (s.length < 4) continue;
    out = out.split(s).join(MASK);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(MASK);
  }
  // Credentials embedded in URLs: scheme://user:pass@host
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^@\s/]+@/gi, `$1:${MASK}@`);
}

/** A JSON secret field (say, an MCP server's env) hides its members too, not only its whole text. */
function withJsonMembers(secrets: Iterable<string>): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const s of secrets) {
    out.push(s);
    if (s.startsWith('{') || s.startsWith('[')) {
      try {
        walk(JSON.parse(s));
      } catch {
        // Not JSON after all: the whole value is already masked.
      }
    }
  }
  // Longest first, so a value containing another is masked whole.
  return out.sort((a, b) => b.length - a.length);
}
