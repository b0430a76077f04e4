import { ConnectionRecordSchema, type ConnectionRecord } from '@latchkey/broker';
import { Grant, Json, type StoreProblem } from '@latchkey/contracts';
import { Low } from 'lowdb';
import { z } from 'zod';
import type { FileIo } from './atomic-file.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { describeIssue, loadDocument, type Validation } from './document.js';
import type { Migration } from './migrations.js';
import { FileRepository, STORE_CLOSED, validateRecords } from './repository.js';
import { fingerprintOf, isVerified, stampVerified } from './verified-stamp.js';

export const CONNECTIONS_SCHEMA_VERSION = 1;

/** Steps from older `schemaVersion`s of connections.json; empty until the format first changes. */
export const connectionsMigrations: readonly Migration[] = [];

/** Defined beside the broker's port, so a field added there reaches the store's validation too. */
export { ConnectionRecordSchema };

export interface ConnectionsDocument {
  schemaVersion: number;
  connections: ConnectionRecord[];
  grants: Grant[];
  variables: Record<string, Json>;
}

const Shape = z.object({
  schemaVersion: z.number(),
  connections: z.array(z.unknown()),
  grants: z.array(z.unknown()),
  variables: z.record(z.string(), Json).default({}),
});

let schemas: string | null = null;
/** What the records of a stamped file were validated against (~4 ms, once per process). */
function schemasFingerprint(version: number): string {
  schemas ??= fingerprintOf(z.toJSONSchema(ConnectionRecordSchema), z.toJSONSchema(Grant), z.toJSONSchema(Shape));
  return fingerprintOf(version, schemas);
}

function validate(raw: Record<string, unknown>, trusted: boolean): Validation<ConnectionsDocument> {
  const shape = Shape.safeParse(raw);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    return { ok: false, issue: issue ? describeIssue(issue.path, issue.message) : 'it is not a Latchkey connections file' };
  }
  if (trusted) {
    // Written by this code from validated records, untouched since (see verified-stamp.ts).
    const data = {
      schemaVersion: CONNECTIONS_SCHEMA_VERSION,
      connections: shape.data.connections as ConnectionRecord[],
      grants: shape.data.grants as Grant[],
      variables: shape.data.variables,
    };
    return { ok: true, data, dropped: null };
  }
  const connections = validateRecords(ConnectionRecordSchema, shape.data.connections, 'connections');
  const grants = validateRecords(Grant, shape.data.grants, 'grants');
  const data: ConnectionsDocument = {
    schemaVersion: CONNECTIONS_SCHEMA_VERSION,
    connections: connections.records,
    grants: grants.records,
    variables: shape.data.variables,
  };
  const count = connections.dropped + grants.dropped;
  if (count === 0) return { ok: true, data, dropped: null };
  return {
    ok: true,
    data,
    dropped: {
      count,
      total: shape.data.connections.length + shape.data.grants.length,
      noun: 'connections and grants',
      issue: connections.issue ?? grants.issue ?? 'invalid record',
    },
  };
}

export interface ConnectionsFile {
  connections: FileRepository<ConnectionRecord>;
  grants: FileRepository<Grant>;
  problem: StoreProblem | null;
  writer: CoalescingWriter;
  /** The file carried a valid stamp, so its records were not validated again. */
  trusted: boolean;
  /** Refuses further changes, then waits for the writes already asked for. */
  close(): Promise<void>;
}

/** connections.json: connection metadata and grants, one lowdb document, one writer for both. */
export async function openConnectionsFile(
  path: string,
  options: { now: () => number; io?: FileIo; migrations?: readonly Migration[]; currentVersion?: number },
): Promise<ConnectionsFile> {
  const currentVersion = options.currentVersion ?? CONNECTIONS_SCHEMA_VERSION;
  const stamp = schemasFingerprint(currentVersion);
  const trusted = isVerified(path, stamp);
  const loaded = await loadDocument<ConnectionsDocument>({
    path,
    versionKey: 'schemaVersion',
    currentVersion,
    migrations: options.migrations ?? connectionsMigrations,
    validate: (raw) => validate({ ...raw, schemaVersion: currentVersion }, trusted),
    empty: () => ({ schemaVersion: currentVersion, connections: [], grants: [], variables: {} }),
    emptyMeaning: 'no connections and no grants',
    now: options.now,
    io: options.io,
    // Built from each repository's cached record JSON: with 10,000 connections this is a join of
    // strings (~3 ms) where JSON.stringify of the whole document costs ~16 ms on every write.
    serialize: (doc): string =>
      `{"schemaVersion":${doc.schemaVersion},"connections":${connections.toJson()},"grants":${grants.toJson()},"variables":${JSON.stringify(doc.variables)}}`,
  });
  const db = new Low<ConnectionsDocument>(loaded.file, loaded.data);
  const writer = new CoalescingWriter(() => {
    // Snapshot at write time: everything put since the last write goes out in this one.
    db.data = {
      schemaVersion: currentVersion,
      connections: connections.all() as ConnectionRecord[],
      grants: grants.all() as Grant[],
      variables: db.data.variables,
    };
    return db.write().then(() => stampVerified(path, stamp));
  });
  let closed = false;
  const target = { save: () => writer.request(), readOnly: () => (closed ? STORE_CLOSED : loaded.readOnly) };
  const connections: FileRepository<ConnectionRecord> = new FileRepository(ConnectionRecordSchema, 'connection', target, loaded.data.connections);
  const grants: FileRepository<Grant> = new FileRepository(Grant, 'grant', target, loaded.data.grants);
  if (loaded.dirty) await writer.request();
  else if (!trusted && !loaded.problem) stampVerified(path, stamp);
  const close = () => ((closed = true), writer.drain());
  return { connections, grants, problem: loaded.problem, writer, trusted, close };
}
