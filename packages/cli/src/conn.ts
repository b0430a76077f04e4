import type { Session } from './session.js';
import { findConnection } from './resolve-values.js';

type Out = (line: string) => void;

export async function connList(session: Session, json: boolean, out: Out): Promise<number> {
  const catalog = await session.api.connections.catalog();
  if (json) return (out(JSON.stringify(catalog, null, 2)), 0);
  if (!catalog.length) return (out('No connections yet. Add one in Latchkey → Connections.'), 0);
  const rows = catalog.map((c) => [c.id, c.name, c.providerName, c.target, c.status]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['ID', 'NAME', 'TYPE', 'TARGET'][i]!.length, ...rows.map((r) => r[i]!.length)]));
  const line = (r: string[]) => r.map((v, i) => (i < 4 ? v.padEnd(widths[i]!) : v)).join('  ');
  out(line(['ID', 'NAME', 'TYPE', 'TARGET', 'STATUS']));
  for (const r of rows) out(line(r));
  return 0;
}

export async function connTest(session: Session, idOrName: string, json: boolean, out: Out): Promise<number> {
  const entry = findConnection(await session.api.connections.catalog(), idOrName);
  const result = await session.api.connections.test({ id: entry.id });
  if (json) out(JSON.stringify(result, null, 2));
  else out(`${result.ok ? 'ok' : 'failed'}: ${entry.name} — ${result.message}`);
  return result.ok ? 0 : 1;
}
