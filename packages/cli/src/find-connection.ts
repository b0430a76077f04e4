import { LatchkeyError } from '@latchkey/contracts';
import type { ConnectionCatalogEntry } from '@latchkey/contracts';

/** A connection named by id or by its name (ids win; a name two connections share is refused). */
export function findConnection(catalog: ConnectionCatalogEntry[], idOrName: string): ConnectionCatalogEntry {
  const byId = catalog.find((c) => c.id === idOrName);
  if (byId) return byId;
  const byName = catalog.filter((c) => c.name === idOrName);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new LatchkeyError('CONFLICT', `Two or more connections are named "${idOrName}": use its id (latchkey conn ls)`);
  throw new LatchkeyError('NOT_FOUND', `No connection "${idOrName}" (latchkey conn ls lists them)`);
}
