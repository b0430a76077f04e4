import { LatchkeyError } from '@latchkey/contracts';

/** One `--env NAME=conn:<id or name>.<field>` of `latchkey run`. */
export interface EnvSpec {
  name: string;
  connection: string;
  field: string;
}

const SPEC = /^([A-Za-z_][A-Za-z0-9_]*)=conn:([A-Za-z0-9_ .-]+)\.([A-Za-z0-9_]+)$/;

export function parseEnvSpec(text: string): EnvSpec {
  const m = SPEC.exec(text);
  if (!m) throw new LatchkeyError('VALIDATION', `--env "${text.slice(0, 200)}": expected NAME=conn:<connection id or name>.<field>, like DB_PASSWORD=conn:prod-db.password`);
  return { name: m[1]!, connection: m[2]!, field: m[3]! };
}
