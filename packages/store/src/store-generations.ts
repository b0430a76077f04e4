import type { ConnectionRecord, JournaledAuditInput, StoreGenerationsPort } from '@latchkey/broker';
import { LatchkeyError, type StoreFileName, type StoreGeneration } from '@latchkey/contracts';
import type { ConnectionsFile } from './connections-file.js';
import { readConnectionsGeneration } from './connections-file.js';
import { readSecretsGeneration, type SecretsFile } from './secrets-file.js';

/** Names listed per side of a summary; the rest is counted as `truncated`. */
const NAMES_LISTED = 20;

const liveNames = (records: readonly ConnectionRecord[]) => records.filter((r) => r.deletedAt === null).map((r) => r.name);

function difference(from: readonly string[], minus: readonly string[]): string[] {
  const gone = new Set(minus);
  return [...new Set(from.filter((name) => !gone.has(name)))].sort((a, b) => a.localeCompare(b));
}

/**
 * What the kept generations hold and what restoring each would change, and the restores. After a
 * restore the file's load problem is resolved, so the banner that offered it goes away.
 */
export function storeGenerations(
  paths: Record<StoreFileName, string>,
  files: { connections: ConnectionsFile; secrets: SecretsFile },
  onRestored: (file: StoreFileName) => void,
): StoreGenerationsPort {
  const current = () => ({
    connections: files.connections.connections.all().length,
    grants: files.connections.grants.all().length,
    secrets: files.secrets.secrets.size,
  });

  /** Secret ids current records point at that are missing now and kept in the generation. */
  const recoverable = (blobs: Record<string, string>) =>
    files.connections.connections.all().flatMap((record) => {
      const ids = Object.values(record.secretIds).filter((id) => !files.secrets.secrets.get(id) && Object.hasOwn(blobs, id));
      return ids.length ? [{ record, ids }] : [];
    });

  return {
    async list() {
      const out: StoreGeneration[] = [];
      const [connections, secrets] = await Promise.all([readConnectionsGeneration(paths['connections.json']), readSecretsGeneration(paths['secrets.json'])]);
      if (connections) {
        const before = liveNames(files.connections.connections.all());
        const kept = liveNames(connections.data.connections);
        const added = difference(kept, before);
        const removed = difference(before, kept);
        out.push({
          file: 'connections.json',
          savedAt: connections.savedAt.toISOString(),
          counts: { connections: connections.data.connections.length, grants: connections.data.grants.length, secrets: 0 },
          current: current(),
          added: added.slice(0, NAMES_LISTED),
          removed: removed.slice(0, NAMES_LISTED),
          truncated: added.length > NAMES_LISTED || removed.length > NAMES_LISTED,
        });
      }
      if (secrets) {
        const back = recoverable(secrets.blobs).map((r) => r.record.name);
        out.push({
          file: 'secrets.json',
          savedAt: secrets.savedAt.toISOString(),
          counts: { connections: 0, grants: 0, secrets: Object.keys(secrets.blobs).length },
          current: current(),
          added: back.slice(0, NAMES_LISTED),
          removed: [],
          truncated: back.length > NAMES_LISTED,
        });
      }
      return out;
    },

    async restore(file: StoreFileName, audit: JournaledAuditInput[]) {
      if (file === 'connections.json') {
        const restored = await files.connections.restoreGeneration(audit);
        onRestored(file);
        return `connections.json was restored from its last good version: ${restored.connections} connections and ${restored.grants} grants.`;
      }
      const generation = await readSecretsGeneration(paths['secrets.json']);
      if (!generation) throw new LatchkeyError('NOT_FOUND', 'No readable earlier version of secrets.json is kept.');
      // Only blobs a record points at and that are missing come back; nothing present is replaced.
      const back = recoverable(generation.blobs);
      await Promise.all(back.flatMap(({ ids }) => ids.map((id) => files.secrets.secrets.put(id, new Uint8Array(Buffer.from(generation.blobs[id]!, 'base64'))))));
      // The blobs are durable first (ciphertext nothing else changed); the record of it follows.
      await files.connections.connections.commit({ audit });
      onRestored(file);
      return `The secrets of ${back.length} connection${back.length === 1 ? '' : 's'} were restored from the last good version of secrets.json.`;
    },
  };
}
