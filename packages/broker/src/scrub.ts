const MASK = '••••';

/**
 * Removes every known secret value from a message before it leaves the broker (driver errors
 * sometimes echo a password or a URL with credentials in it).
 */
export function scrub(message: string, secrets: Iterable<string>): string {
  let out = message;
  for (const s of secrets) {
    if (s.length < 4) continue;
    out = out.split(s).join(MASK);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(MASK);
  }
  // Credentials embedded in URLs: scheme://user:pass@host
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^@\s/]+@/gi, `$1:${MASK}@`);
}
