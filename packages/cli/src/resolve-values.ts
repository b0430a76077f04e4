import { LatchkeyError } from '@latchkey/contracts';
import type { ConnectionCatalogEntry } from '@latchkey/contracts';
import type { EnvSpec } from './env-spec.js';
import { withConsent } from './consent.js';
import { findConnection } from './find-connection.js';
import type { Session } from './session.js';

export { findConnection } from './find-connection.js';

export interface ResolvedEnv {
  env: Record<string, string>;
  /** The injected values that are secrets: masked in the child's output. */
  secrets: string[];
}

/**
 * The values `latchkey run` injects. A value leaving Latchkey is a reveal: one access request
 * per connection with the `reveal` scope, and one per secret variable, which the person answers
 * in the app's modal.
 */
export async function resolveEnv(session: Session, specs: EnvSpec[], reason: string): Promise<ResolvedEnv> {
  const connectionSpecs = specs.filter((s): s is Extract<EnvSpec, { connection: string }> => 'connection' in s);
  const catalog = connectionSpecs.length ? await session.api.connections.catalog() : [];
  const byConnection = new Map<string, { entry: ConnectionCatalogEntry; specs: typeof connectionSpecs }>();
  for (const spec of connectionSpecs) {
    const entry = findConnection(catalog, spec.connection);
    const group = byConnection.get(entry.id) ?? { entry, specs: [] };
    group.specs.push(spec);
    byConnection.set(entry.id, group);
  }
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  for (const { entry, specs: wanted } of byConnection.values()) {
    const fields = wanted.map((s) => s.field).join(', ');
    const answer = await session.api.secrets.requestAccess({ connectionId: entry.id, scopes: ['reveal'], reason: `${reason} — reads ${fields} of "${entry.name}"`.slice(0, 500) });
    if (!answer.granted) throw new LatchkeyError('DENIED', `Access to "${entry.name}" was not given: ${answer.message}`);
    // Settings first: a once-grant's ref is spent by the reveal, the grant still shows its settings.
    const listed = (await session.api.connections.list({ providerId: entry.providerId })).find((c) => c.id === entry.id);
    const { values } = await session.api.secrets.reveal({ ref: answer.secretRef });
    for (const spec of wanted) {
      if (Object.hasOwn(values, spec.field)) {
        env[spec.name] = values[spec.field]!;
        secrets.push(values[spec.field]!);
        continue;
      }
      const config = listed?.config as Record<string, unknown> | undefined;
      const value = config && Object.hasOwn(config, spec.field) ? config[spec.field] : undefined;
      if (value === undefined || value === null) throw new LatchkeyError('NOT_FOUND', `"${entry.name}" has no field "${spec.field}"`);
      env[spec.name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  // A secret variable is a reveal of its own: the broker refuses it until the person allows it.
  for (const spec of specs) {
    if (!('variable' in spec)) continue;
    const { text, references } = await withConsent(session, () => session.api.templates.render({ template: `{{ var.${spec.variable} }}` }), reason);
    env[spec.name] = text;
    if (references.some((r) => r.secret)) secrets.push(text);
  }
  return { env, secrets };
}
