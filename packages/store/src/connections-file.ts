import { ConnectionRecordSchema, VariableRecordSchema, type ConnectionRecord, type JournaledAuditInput } from '@latchkey/broker';
import { AuditEventInput, Grant, Json, LatchkeyError, type StoreProblem } from '@latchkey/contracts';
import { Low } from 'lowdb';
import { z } from 'zod';
import type { FileIo } from './atomic-file.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { describeIssue, loadDocument, type Validation } from './document.js';
import type { Migration } from './migrations.js';
import { JournaledConnections } from './journaled-connections.js';
import { FileRepository, STORE_CLOSED, validateRecords } from './repository.js';
import { keepGeneration, readGeneration } from './generations.js';
import { storageError } from './storage-error.js';
import { fingerprintOf, isVerified, stampVerified } from './verified-stamp.js';
import { FileVariables, readVariables } from './variables-repository.js';

export const CONNECTIONS_SCHEMA_VERSION = 1;

/** Steps from older `schemaVersion`s of connections.json; empty until the format first changes. */
export const connectionsMigrations: readonly Migration[] = [];

/** Defined beside the broker's port, so a field added there reaches the store's validation too. */
export { ConnectionRecordSchema };

export interface ConnectionsDocument {
  schemaVersion: number;
  connections: ConnectionRecord[];
  grants: Grant[];
  /** Variables by key (variables-repository.ts); written from the repository, read as stored. */
  variables: Record<string, Json>;
  /** Audit events written with their change and not yet confirmed in the audit log (absent when none). */
  pendingAudit?: JournaledAuditInput[];
}

const JournaledEvent = AuditEventInput.extend({ eventId: z.string().min(1).max(64) });

/** Journal entries one by one: a damaged entry is dropped, not the file (it records, it is not data). */
function validJournal(items: readonly unknown[]): JournaledAuditInput[] {
  return items.flatMap((item) => {
    const parsed = JournaledEvent.safeParse(item);
    return parsed.success ? [parsed.data as JournaledAuditInput] : [];
  });
}

const Shape = z.object({
  schemaVersion: z.number(),
  connections: z.array(z.unknown()),
  grants: z.array(z.unknown()),
  variables: z.record(z.string(), Json).default({}),
  pendingAudit: z.array(z.unknown()).default([]),
});

let schemas: string | null = null;
/** What the records of a stamped file were validated against (~4 ms, once per process). */
function schemasFingerprint(version: number): string {
  schemas ??= fingerprintOf(z.toJSONSchema(ConnectionRecordSchema), z.toJSONSchema(Grant), z.toJSONSchema(Shape), z.toJSONSchema(VariableRecordSchema));
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
      pendingAudit: validJournal(shape.data.pendingAudit),
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
    pendingAudit: validJournal(shape.data.pendingAudit),
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

/** The kept generation of connections.json, validated as a load would, or null when there is none that reads. */
export async function readConnectionsGeneration(path: string, currentVersion = CONNECTIONS_SCHEMA_VERSION): Promise<{ data: ConnectionsDocument; savedAt: Date } | null> {
  const generation = await readGeneration(path);
  if (!generation) return null;
  try {
    const raw = JSON.parse(generation.text) as Record<string, unknown>;
    if (raw.schemaVersion !== currentVersion) return null;
    const validation = validate(raw, false);
    return validation.ok ? { data: validation.data, savedAt: generation.savedAt } : null;
  } catch {
    return null;
  }
}

export interface ConnectionsFile {
  connections: JournaledConnections;
  grants: FileRepository<Grant>;
  variables: FileVariables;
  problem: StoreProblem | null;
  writer: CoalescingWriter;
  /** The file carried a valid stamp, so its records were not validated again. */
  trusted: boolean;
  /** Refuses further changes, then waits for the writes already asked for. */
  close(): Promise<void>;
  /** Replaces connections and grants with the kept generation, the audit events in the same write. */
  restoreGeneration(audit: JournaledAuditInput[]): Promise<{ connections: number; grants: number }>;
}

/** connections.json: connection metadata and grants, one lowdb document, one writer for both. */
export async function openConnectionsFile(
  path: string,
  options: { now: () => number; io?: FileIo; migrations?: readonly Migration[]; currentVersion?: number },
): Promise<ConnectionsFile> {
  const currentVersion = options.currentVersion ?? CONNECTIONS_SCHEMA_VERSION;
  const stamp = schemasFingerprint(currentVersion);
  const trusted = isVerified(path, stamp);
  let keepGenerations = false;
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
    // Not while the file that loaded was damaged: the half-empty state of this session must not
    // push out the last good version before the person has chosen whether to restore it.
    beforeRename: () => (keepGenerations ? keepGeneration(path).catch(() => undefined) : Promise.resolve()),
    // Built from each repository's cached record JSON: with 10,000 connections this is a join of
    // strings (~3 ms) where JSON.stringify of the whole document costs ~16 ms on every write.
    serialize: (doc): string => {
      const journal = connections.journalJson();
      return (
        `{"schemaVersion":${doc.schemaVersion},"connections":${connections.toJson()},"grants":${grants.toJson()},"variables":${variables.toObjectJson()}` +
        `${journal === '[]' ? '' : `,"pendingAudit":${journal}`}}`
      );
    },
  });
  const db = new Low<ConnectionsDocument>(loaded.file, loaded.data);
  const writer = new CoalescingWriter(async () => {
    // Staged at write time: everything asked for since the last write goes out in this one, and
    // reaches memory only once it is durable.
    connections.stage();
    grants.stage();
    variables.stage();
    db.data = { schemaVersion: currentVersion, connections: [], grants: [], variables: db.data.variables };
    try {
      await db.write();
    } catch (error) {
      connections.abort();
      grants.abort();
      variables.abort();
      throw storageError(error, path);
    }
    connections.landed();
    grants.landed();
    variables.landed();
    stampVerified(path, stamp);
  });
  let closed = false;
  const target = { save: () => writer.request(), readOnly: () => (closed ? STORE_CLOSED : loaded.readOnly) };
  const connections = new JournaledConnections(target, loaded.data.connections, loaded.data.pendingAudit ?? []);
  const grants: FileRepository<Grant> = new FileRepository(Grant, 'grant', target, loaded.data.grants);
  const variables = new FileVariables(target, readVariables(loaded.data.variables, new Date(options.now()).toISOString()).records, connections);
  keepGenerations = loaded.problem === null;
  if (loaded.dirty) await writer.request();
  else if (!trusted && !loaded.problem) stampVerified(path, stamp);
  if (connections.pendingAudit().length) connections.journalOnDisk = true;
  const close = async () => {
    closed = true;
    await writer.drain();
    // A clean shutdown leaves no confirmed entries behind, so the next start need not look for them.
    if (connections.journalOnDisk && !loaded.readOnly) await writer.request().catch(() => undefined);
  };
  const restoreGeneration = async (audit: JournaledAuditInput[]) => {
    const generation = await readConnectionsGeneration(path, currentVersion);
    if (!generation) throw new LatchkeyError('NOT_FOUND', 'No readable earlier version of connections.json is kept.');
    grants.stageReplaceAll(generation.data.grants);
    connections.stageReplaceAll(generation.data.connections);
    await connections.commit({ audit });
    keepGenerations = true;
    return { connections: generation.data.connections.length, grants: generation.data.grants.length };
  };
  return { connections, grants, variables, problem: loaded.problem, writer, trusted, close, restoreGeneration };
}
