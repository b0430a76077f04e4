import { ConnectionRecordSchema, VariableRecordSchema, type ConnectionRecord, type JournaledAuditInput, type VariableRecord } from '@latchkey/broker';
import { AuditEventInput, Grant, Json, LatchkeyError, type StoreProblem } from '@latchkey/contracts';
import { z } from 'zod';
import { realIo, writeFileAtomic, type FileIo } from './atomic-file.js';
import { describeIssue, loadDocument, type Validation } from './document.js';
import type { Migration } from './migrations.js';
import { JournalFile, journalPathOf } from './journal-file.js';
import { loadJournal, sizeOf } from './journal-load.js';
import { JournaledConnections } from './journaled-connections.js';
import { JournaledDocument, type CompactionPolicy, type DocumentModel } from './journaled-document.js';
import { FileRepository, STORE_CLOSED, validateRecords, type Op } from './repository.js';
import { keepGeneration, readGeneration } from './generations.js';
import { readOnlyError, storageError } from './storage-error.js';
import { fingerprintOf, isVerified, stampVerified } from './verified-stamp.js';
import { FileVariables, readVariables } from './variables-repository.js';

export const CONNECTIONS_SCHEMA_VERSION = 1;

/** Steps from older `schemaVersion`s of connections.json; empty until the format first changes. */
export const connectionsMigrations: readonly Migration[] = [];

/** Defined beside the broker's port, so a field added there reaches the store's validation too. */
export { ConnectionRecordSchema };

export interface ConnectionsDocument {
  schemaVersion: number;
  /** The last journal record this snapshot holds (see journal-format.ts); 0 before any. */
  journalSeq?: number;
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
  journalSeq: z.number().int().nonnegative().default(0),
  connections: z.array(z.unknown()),
  grants: z.array(z.unknown()),
  variables: z.record(z.string(), Json).default({}),
  pendingAudit: z.array(z.unknown()).default([]),
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
      journalSeq: shape.data.journalSeq,
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
    journalSeq: shape.data.journalSeq,
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
  /** A damaged journal found at load (its good prefix was applied). */
  journalProblem: StoreProblem | null;
  document: JournaledDocument<ConnectionsBody>;
  /** The file carried a valid stamp, so its records were not validated again. */
  trusted: boolean;
  /** Refuses further changes, waits for the writes already asked for, and compacts the journal. */
  close(): Promise<void>;
  /** Replaces connections and grants with the kept generation, the audit events in the same write. */
  restoreGeneration(audit: JournaledAuditInput[]): Promise<{ connections: number; grants: number }>;
}

/** One change to connections.json as a journal record (see journal-format.ts and README.md). */
export interface ConnectionsBody {
  /** Connections put (`p`, whole records) and deleted (`d`, ids), in order. */
  c?: Op<ConnectionRecord>[];
  /** Grants, the same way. */
  g?: Op<Grant>[];
  /** Variables, the same way (`id` is the variable's key). */
  v?: Op<VariableRecord>[];
  /** Audit events written ahead with this change (ConnectionRepository.commit). */
  a?: JournaledAuditInput[];
  /** Events confirmed in the audit log since the last record. */
  r?: string[];
}

function checkOps<T>(schema: z.ZodType<T>, raw: unknown, noun: string): { ok: true; ops: Op<T>[] } | { ok: false; issue: string } {
  if (raw === undefined) return { ok: true, ops: [] };
  if (!Array.isArray(raw)) return { ok: false, issue: `its ${noun} changes are not a list` };
  const ops: Op<T>[] = [];
  for (const op of raw as unknown[]) {
    if (op && typeof op === 'object' && 'd' in op && typeof op.d === 'string') ops.push({ d: op.d });
    else if (op && typeof op === 'object' && 'p' in op) {
      const parsed = schema.safeParse(op.p);
      if (!parsed.success) return { ok: false, issue: `a ${noun} in it is not valid (${describeIssue(parsed.error.issues[0]?.path ?? [], parsed.error.issues[0]?.message ?? 'invalid')})` };
      ops.push({ p: parsed.data });
    } else return { ok: false, issue: `a ${noun} change in it is not valid` };
  }
  return { ok: true, ops };
}

/** A record read back from the journal: validated as a load validates the snapshot. */
function checkBody(raw: unknown): { ok: true; body: ConnectionsBody } | { ok: false; issue: string } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, issue: 'it is not an object' };
  const source = raw as Record<string, unknown>;
  const c = checkOps(ConnectionRecordSchema, source.c, 'connection');
  if (!c.ok) return c;
  const g = checkOps(Grant, source.g, 'grant');
  if (!g.ok) return g;
  const v = checkOps(VariableRecordSchema, source.v, 'variable');
  if (!v.ok) return v;
  const body: ConnectionsBody = {};
  if (c.ops.length) body.c = c.ops as Op<ConnectionRecord>[];
  if (g.ops.length) body.g = g.ops;
  if (v.ops.length) body.v = v.ops;
  if (source.a !== undefined) body.a = validJournal(Array.isArray(source.a) ? source.a : []);
  if (Array.isArray(source.r)) body.r = source.r.filter((id): id is string => typeof id === 'string');
  return { ok: true, body };
}

/** connections.json (snapshot) + connections.journal: connection metadata and grants, one document for both. */
export async function openConnectionsFile(
  path: string,
  options: { now: () => number; io?: FileIo; migrations?: readonly Migration[]; currentVersion?: number; compaction?: CompactionPolicy },
): Promise<ConnectionsFile> {
  const io = options.io ?? realIo;
  const currentVersion = options.currentVersion ?? CONNECTIONS_SCHEMA_VERSION;
  const stamp = schemasFingerprint(currentVersion);
  const trusted = isVerified(path, stamp);
  const loaded = await loadDocument<ConnectionsDocument>({
    path,
    versionKey: 'schemaVersion',
    currentVersion,
    migrations: options.migrations ?? connectionsMigrations,
    validate: (raw) => validate({ ...raw, schemaVersion: currentVersion }, trusted),
    empty: () => ({ schemaVersion: currentVersion, journalSeq: 0, connections: [], grants: [], variables: {} }),
    emptyMeaning: 'no connections and no grants',
    now: options.now,
    io,
  });
  // Not while the file that loaded was damaged: the half-empty state of this session must not
  // push out the last good version before the person has chosen whether to restore it.
  let keepGenerations = loaded.problem === null;
  let closed = false;
  // A newer Latchkey's files are left as they are: its journal too.
  const journal = loaded.readOnly
    ? { file: new JournalFile(journalPathOf(path), io, { size: 0, records: [], exists: false }), bodies: [], lastSeq: 0, nonEmpty: false, goodEnd: null, problem: null }
    : await loadJournal(path, io, loaded.data.journalSeq ?? 0, checkBody, options.now());
  const readOnly = () => (closed ? STORE_CLOSED : (loaded.readOnly ?? (journal.file.broken ? `Latchkey cannot save: ${journal.file.broken}.` : null)));

  const submit = (body: ConnectionsBody): Promise<void> => {
    const recorded = connections.takeRecorded();
    return doc.submit(recorded.length ? { ...body, r: recorded } : body);
  };
  const connections: JournaledConnections = new JournaledConnections(
    {
      submit: (ops) => submit({ c: ops }),
      submitCommit: (ops, audit) => submit(audit.length ? { c: ops, a: audit } : { c: ops }),
      unlanded: () => doc.unlanded().flatMap((body) => body.c ?? []),
      readOnly,
    },
    loaded.data.connections,
    loaded.data.pendingAudit ?? [],
  );
  const grants = new FileRepository<Grant>(
    Grant,
    'grant',
    { submit: (ops) => submit({ g: ops }), unlanded: () => doc.unlanded().flatMap((body) => body.g ?? []), readOnly },
    loaded.data.grants,
  );
  // Variables and their audit events land in one record, like a connections commit.
  const variables = new FileVariables(
    {
      submit: (ops) => submit({ v: ops }),
      submitCommit: (ops, audit) => submit(audit.length ? { v: ops, a: audit } : { v: ops }),
      unlanded: () => doc.unlanded().flatMap((body) => body.v ?? []),
      readOnly,
    },
    readVariables(loaded.data.variables, new Date(options.now()).toISOString()).records,
  );

  // Built from each repository's cached record JSON: with 10,000 connections this is a join of
  // strings (~3 ms) where JSON.stringify of the whole document costs ~16 ms.
  const snapshotText = (seq: number, parts: { connections: string; grants: string; pendingAudit: string }): string =>
    `{"schemaVersion":${currentVersion},"journalSeq":${seq},"connections":${parts.connections},"grants":${parts.grants},"variables":${variables.toObjectJson()}` +
    `${parts.pendingAudit === '[]' ? '' : `,"pendingAudit":${parts.pendingAudit}`}}`;

  const model: DocumentModel<ConnectionsBody> = {
    apply(body) {
      if (body.c) connections.apply(body.c);
      if (body.g) grants.apply(body.g);
      if (body.v) variables.apply(body.v);
      connections.applyAudit(body.a, body.r);
    },
    snapshot(seq) {
      // The snapshot leaves confirmed events out: no later record need carry their confirmation.
      connections.takeRecorded();
      return snapshotText(seq, { connections: connections.toJson(), grants: grants.toJson(), pendingAudit: connections.journalJson() });
    },
    async writeSnapshot(text) {
      await writeFileAtomic(path, text, io, () => (keepGenerations ? keepGeneration(path).catch(() => undefined) : Promise.resolve()));
      stampVerified(path, stamp);
    },
  };
  for (const body of journal.bodies) model.apply(body);
  const doc: JournaledDocument<ConnectionsBody> = new JournaledDocument(path, journal.file, model, journal.lastSeq, options.compaction, options.now, sizeOf(path));

  if (!loaded.readOnly && (journal.nonEmpty || loaded.dirty)) {
    // After a crash (or a migration): fold the journal into the snapshot now, so the session
    // starts from one file. If that fails, the journal is kept and only a torn tail is cut.
    try {
      await doc.compactNow();
    } catch (error) {
      if (journal.goodEnd !== null) await journal.file.cutTo(journal.goodEnd);
      if (loaded.dirty) throw storageError(error, path);
    }
  } else if (!trusted && !loaded.problem && !loaded.readOnly) stampVerified(path, stamp);

  const close = async () => {
    closed = true;
    await doc.drain();
    // A clean shutdown leaves one file and no confirmed events, so the next start reads no journal.
    if (!loaded.readOnly && (doc.journalBytes > 0 || connections.hasUnsavedConfirmations())) {
      await doc.compactNow().catch((error: unknown) => console.error('store: connections.json could not be compacted at close; its journal keeps every change', error));
    }
  };
  const restoreGeneration = async (audit: JournaledAuditInput[]) => {
    const generation = await readConnectionsGeneration(path, currentVersion);
    if (!generation) throw new LatchkeyError('NOT_FOUND', 'No readable earlier version of connections.json is kept.');
    const reason = readOnly();
    if (reason) throw readOnlyError(reason);
    const restoredConnections = connections.validRecords(generation.data.connections);
    const restoredGrants = grants.validRecords(generation.data.grants);
    const events = audit.map((e) => ({ ...e }));
    await doc.replace((seq) => ({
      text: snapshotText(seq, {
        connections: connections.toJson(restoredConnections),
        grants: grants.toJson(restoredGrants),
        pendingAudit: JSON.stringify([...connections.pendingAudit(), ...events]),
      }),
      land: () => {
        connections.replaceWith(restoredConnections);
        grants.replaceWith(restoredGrants);
        connections.applyAudit(events, undefined);
      },
    }));
    keepGenerations = true;
    return { connections: restoredConnections.length, grants: restoredGrants.length };
  };
  return { connections, grants, variables, problem: loaded.problem, journalProblem: journal.problem, document: doc, trusted, close, restoreGeneration };
}
