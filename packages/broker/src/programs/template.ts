import { LatchkeyError } from '@latchkey/contracts';

/**
 * Templates programs hand the broker: `{{ conn.<id or name>.<field> }}` and `{{ var.<key> }}`,
 * optionally piped through `| urlencode` (for a password inside a URL). Only expressions that start
 * with `conn.` or `var.` are the broker's; any other `{{ … }}` (Jinja, Helm) is left as written.
 */
export type TemplateReference =
  | { kind: 'conn'; expression: string; connection: string; field: string; filter: Filter | null }
  | { kind: 'var'; expression: string; key: string; filter: Filter | null };

export type Filter = 'urlencode';
const FILTERS: ReadonlySet<string> = new Set<Filter>(['urlencode']);

/** Literal text and references, alternating: parts[0], refs[0], parts[1], … */
export interface CompiledTemplate {
  parts: string[];
  refs: TemplateReference[];
}

// Linear: `[^{}]*` is greedy and cannot cross a brace, and nothing after it competes for the
// same characters (a lazy body followed by `\s*` retried every split of a long run of spaces).
const EXPRESSION = /\{\{\s*((?:conn|var)\.[^{}]*)\}\}/g;
const MAX_REFERENCES = 1000;

function parseReference(inner: string): TemplateReference {
  const [head, ...rest] = inner.split('|');
  const expression = head!.trim();
  const filterName = rest.join('|').trim();
  if (rest.length && !FILTERS.has(filterName)) throw new LatchkeyError('VALIDATION', `Unknown filter "${filterName}" in {{ ${inner} }}; the one filter is urlencode`);
  const filter = rest.length ? (filterName as Filter) : null;
  if (expression.startsWith('var.')) {
    const key = expression.slice(4).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new LatchkeyError('VALIDATION', `"${expression}" does not name a variable (var.<key>)`);
    return { kind: 'var', expression, key, filter };
  }
  // conn.<id or name>.<field>: the field is after the last dot, so a name may hold dots and spaces.
  const body = expression.slice(5);
  const dot = body.lastIndexOf('.');
  const connection = dot > 0 ? body.slice(0, dot).trim() : '';
  const field = dot > 0 ? body.slice(dot + 1).trim() : '';
  if (!connection || !/^[A-Za-z][A-Za-z0-9_]*$/.test(field)) throw new LatchkeyError('VALIDATION', `"${expression}" does not name a connection field (conn.<id or name>.<field>)`);
  return { kind: 'conn', expression, connection, field, filter };
}

export function compileTemplate(template: string): CompiledTemplate {
  const parts: string[] = [];
  const refs: TemplateReference[] = [];
  let last = 0;
  for (const m of template.matchAll(EXPRESSION)) {
    if (refs.length >= MAX_REFERENCES) throw new LatchkeyError('VALIDATION', `A template may hold at most ${MAX_REFERENCES} references`);
    parts.push(template.slice(last, m.index));
    refs.push(parseReference(m[1]!.trimEnd()));
    last = m.index + m[0].length;
  }
  parts.push(template.slice(last));
  return { parts, refs };
}

/** Compiled templates by text, least recently used first out: a pipeline renders the same few over and over. */
const MAX_CACHED = 256;
const cache = new Map<string, CompiledTemplate>();

export function compiled(template: string): CompiledTemplate {
  let hit = cache.get(template);
  if (hit) cache.delete(template);
  else hit = compileTemplate(template);
  cache.set(template, hit);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return hit;
}

export function applyFilter(value: string, filter: Filter | null): string {
  return filter === 'urlencode' ? encodeURIComponent(value) : value;
}
