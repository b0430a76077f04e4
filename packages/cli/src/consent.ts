import { LatchkeyError } from '@latchkey/contracts';
import type { ConnectionCatalogEntry } from '@latchkey/contracts';
import { findConnection } from './find-connection.js';
import type { Session } from './session.js';

/** `conn.<id or name>.<field>` (a filter after `|` ignored) → the connection part. */
function connectionOf(expression: string): string | null {
  const e = expression.split('|')[0]!.trim();
  if (!e.startsWith('conn.')) return null;
  const rest = e.slice(5);
  const dot = rest.lastIndexOf('.');
  return dot > 0 ? rest.slice(0, dot) : null;
}

/** `var.<key>` → the key. */
function variableOf(expression: string): string | null {
  const e = expression.split('|')[0]!.trim();
  return e.startsWith('var.') ? e.slice(4).trim() || null : null;
}

/**
 * Runs a call that reads values through the broker (a template render, `variables:get`). What the
 * CLI holds no grant for is refused by the broker (a connection reads as unknown, a secret variable
 * as DENIED); then the person is asked — once per connection (reveal scope) or secret variable —
 * and the call is made again. Every other error, and a second refusal, is the answer.
 */
export async function withConsent<T>(session: Session, attempt: () => Promise<T>, reason: string): Promise<T> {
  const asked = new Set<string>();
  let catalog: ConnectionCatalogEntry[] | null = null;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof LatchkeyError) || !['NOT_FOUND', 'DENIED'].includes(error.code)) throw error;
      const path = error.issues?.[0]?.path ?? '';
      const variable = variableOf(path);
      if (variable) {
        if (error.code !== 'DENIED' || asked.has(`var:${variable.toUpperCase()}`)) throw error;
        asked.add(`var:${variable.toUpperCase()}`);
        const answer = await session.api.variables.requestAccess({ key: variable, reason: `${reason} — reads ${path}`.slice(0, 500) });
        if (!answer.granted) throw new LatchkeyError('DENIED', `The secret variable ${variable} was not revealed: ${answer.message}`);
        continue;
      }
      const name = connectionOf(path);
      if (!name) throw error;
      catalog ??= await session.api.connections.catalog();
      let entry;
      try {
        entry = findConnection(catalog, name);
      } catch {
        throw error;
      }
      if (asked.has(entry.id)) throw error;
      asked.add(entry.id);
      const answer = await session.api.secrets.requestAccess({ connectionId: entry.id, scopes: ['reveal'], reason: `${reason} — renders ${path || name}`.slice(0, 500) });
      if (!answer.granted) throw new LatchkeyError('DENIED', `Access to "${entry.name}" was not given: ${answer.message}`);
    }
  }
}
