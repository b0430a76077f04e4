/** One step of a file's schema: `migrate` turns data of version `from` into data of version `to`. */
export interface Migration {
  from: number;
  to: number;
  migrate(data: Record<string, unknown>): Record<string, unknown>;
}

export type MigrationOutcome =
  | { kind: 'current'; data: Record<string, unknown> }
  | { kind: 'migrated'; data: Record<string, unknown>; from: number }
  | { kind: 'newer'; version: number }
  | { kind: 'failed'; version: number; reason: string };

/**
 * Brings `data` (whose version lives under `versionKey`) up to `current`, one step at a time.
 * A file newer than this code is reported, not touched: a later Latchkey wrote it, and writing
 * over it with an older shape would lose what that version added.
 */
export function applyMigrations(
  data: Record<string, unknown>,
  versionKey: string,
  current: number,
  migrations: readonly Migration[],
): MigrationOutcome {
  const start = data[versionKey];
  if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) {
    return { kind: 'failed', version: -1, reason: `"${versionKey}" is missing or not a whole number` };
  }
  if (start > current) return { kind: 'newer', version: start };
  let version = start;
  let next = data;
  while (version < current) {
    const step = migrations.find((m) => m.from === version);
    if (!step || step.to <= version) return { kind: 'failed', version: start, reason: `no migration from version ${version}` };
    try {
      next = { ...step.migrate(structuredClone(next)), [versionKey]: step.to };
    } catch (error) {
      return { kind: 'failed', version: start, reason: `the migration from version ${version} failed: ${(error as Error).message}` };
    }
    version = step.to;
  }
  return version === start ? { kind: 'current', data: next } : { kind: 'migrated', data: next, from: start };
}
