import { LatchkeyError } from '@latchkey/contracts';

/** One `--env NAME=conn:<id or name>.<field>` or `--env NAME=var:<key>` of `latchkey run`. */
export type EnvSpec = { name: string; connection: string; field: string } | { name: string; variable: string };

const CONN = /^([A-Za-z_][A-Za-z0-9_]*)=conn:([A-Za-z0-9_ .-]+)\.([A-Za-z0-9_]+)$/;
const VAR = /^([A-Za-z_][A-Za-z0-9_]*)=var:([A-Za-z_][A-Za-z0-9_]{0,127})$/;

export function parseEnvSpec(text: string): EnvSpec {
  const v = VAR.exec(text);
  if (v) return { name: v[1]!, variable: v[2]! };
  const m = CONN.exec(text);
  if (!m) throw new LatchkeyError('VALIDATION', `--env "${text.slice(0, 200)}": expected NAME=conn:<connection id or name>.<field> or NAME=var:<key>, like DB_PASSWORD=conn:prod-db.password or TOKEN=var:DEPLOY_TOKEN`);
  return { name: m[1]!, connection: m[2]!, field: m[3]! };
}
