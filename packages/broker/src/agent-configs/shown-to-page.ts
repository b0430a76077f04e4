import { MASK, type ServerEntry } from '@latchkey/agent-config';

const SHOWN_KEYS = ['type', 'command', 'args', 'cwd', 'url', 'env', 'headers'] as const;
const SECRET_WORD = /(key|token|secret|passw|pwd|credential|auth|cookie|session|dsn)/i;

/** `--api-key=x` → `--api-key=••••`; a value after `--token` → `••••`. */
function maskedArgs(args: unknown[]): unknown[] {
  return args.map((arg, i) => {
    if (typeof arg !== 'string') return arg;
    const flag = /^(--?[^=\s]+)=/.exec(arg);
    if (flag && SECRET_WORD.test(flag[1]!)) return `${flag[1]}=${MASK}`;
    const before = args[i - 1];
    if (typeof before === 'string' && /^--?[^=\s]+$/.test(before) && SECRET_WORD.test(before) && !arg.startsWith('-')) return MASK;
    return arg;
  });
}

/**
 * Query values under a secret-looking name as ••••; the user-info part (`user:password@`, or a
 * token as the user name) and the fragment as •••• whatever they are: both carry credentials in
 * agents' configs, and neither says where the server is.
 */
function maskedUrl(url: string): string {
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : `${url.slice(0, hash)}#${hash < url.length - 1 ? MASK : ''}`;
  return maskedQuery(withoutFragment.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${MASK}@`));
}

function maskedQuery(url: string): string {
  return url.replace(/([?&])([^=&#]*)=([^&#]*)/g, (all, sep: string, name: string) => (SECRET_WORD.test(decodeURIComponent(name.replace(/%(?![0-9a-f]{2})/gi, '%25'))) ? `${sep}${name}=${MASK}` : all));
}

/**
 * What the page may see of an entry: its known fields only; every env and header value as ••••
 * (the page learns names, never values, moved or staying); args and URL query values that sit
 * under a secret-looking name as ••••. The file itself keeps whatever is not moved.
 */
export function shownToPage(entry: ServerEntry): ServerEntry {
  const out = Object.fromEntries(SHOWN_KEYS.filter((k) => entry[k] !== undefined).map((k) => [k, entry[k]])) as ServerEntry;
  for (const key of ['env', 'headers'] as const) {
    const values = entry[key];
    if (values && typeof values === 'object' && !Array.isArray(values)) out[key] = Object.fromEntries(Object.keys(values).map((k) => [k, MASK]));
  }
  if (Array.isArray(entry.args)) out.args = maskedArgs(entry.args);
  if (typeof entry.url === 'string') out.url = maskedUrl(entry.url);
  return out;
}
