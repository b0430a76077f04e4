import type { AuditSink, ConnectionRepository, StoreSeqs, GrantRepository, SecretStore, StoreGenerationsPort, UsageStore, VariableRepository } from '@latchkey/broker';
import { LatchkeyError, type StoreProblem } from '@latchkey/contracts';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isTempFileOf, withIo, type FileIo } from './atomic-file.js';
import { lockDataFolder } from './folder-lock.js';
import { FileAuditLog, type AuditLogOptions } from './audit-log.js';
import { openConnectionsFile } from './connections-file.js';
import type { Migration } from './migrations.js';
import { openSecretsFile } from './secrets-file.js';
import { storeGenerations } from './store-generations.js';
import type { CompactionPolicy } from './journaled-document.js';
import { openUsageFile } from './usage-file.js';
import { journalPathOf } from './journal-file.js';

export { writeFileAtomic, AtomicJsonFile, realIo, type FileIo } from './atomic-file.js';
export { storageError } from './storage-error.js';
export { GENERATION_SUFFIX } from './generations.js';
export { FileAuditLog, type AuditLogOptions } from './audit-log.js';
export { CONNECTIONS_SCHEMA_VERSION, ConnectionRecordSchema, connectionsMigrations, type ConnectionsDocument } from './connections-file.js';
export { SECRETS_FILE_VERSION, type SecretsDocument } from './secrets-file.js';
export type { Migration } from './migrations.js';
export { DEFAULT_COMPACTION, type CompactionPolicy } from './journaled-document.js';
export { DataFolderInUseError, LOCK_FILE } from './folder-lock.js';

export interface FileStoreOptions {
  audit?: AuditLogOptions;
  /** For the timestamps of problems and moved-aside files; Date.now by default. */
  now?: () => number;
  /** Extra or replacement migration steps for connections.json (tests, future formats). */
  connectionsMigrations?: readonly Migration[];
  /** Fault injection for tests: open, write, sync or rename of a store write (the rest stay real). */
  io?: Partial<FileIo>;
  /** When the journals are folded into their snapshots (journaled-document.ts); tests make it small. */
  compaction?: CompactionPolicy;
}

export interface FileStore {
  connections: ConnectionRepository;
  grants: GrantRepository;
  secrets: SecretStore;
  audit: AuditSink;
  /** connections.json's variables, journaled with the connections. */
  variables: VariableRepository;
  /** "Used by" counts in usage.json, saved coalesced (usage-file.ts). */
  usage: UsageStore;
  /**
   * Whether any secret is stored. A composition root passes `createIfMissing: !hasSecrets()` to
   * the Node cipher: a new master key when secrets exist would make all of them unreadable.
   */
  hasSecrets(): boolean;
  /** Files found corrupt or too new at load, for the status the UI shows and the audit. */
  problems(): StoreProblem[];
  /** The last good generation of each file, and restoring from it (see generations.ts). */
  generations: StoreGenerationsPort;
  /** Resolves once every change asked for, and any compaction running, has finished (tests and the bench). */
  settle(): Promise<void>;
  /** Appends (one fsync each), compactions and journal bytes per file, since open (tests and the bench). */
  journalStats(): Record<'connections' | 'secrets', { appends: number; compactions: number; journalBytes: number; seq: number }>;
  /**
   * The last durable journal seq of connections.json (connections, grants, variables) and of
   * secrets.json: each only grows, so the broker anchors them outside the folder with the audit
   * head and a rollback of either file shows. Null for a file reported damaged (its seq then says nothing).
   */
  journalSeqs(): StoreSeqs;
  /** Refuses further changes, waits for pending writes, releases the audit file and the folder lock. Idempotent. */
  close(): Promise<void>;
}

export const FILE_NAMES = { connections: 'connections.json', secrets: 'secrets.json', audit: 'audit', usage: 'usage.json' } as const;
/** Each snapshot's journal, beside it (see journal-format.ts). */
export const JOURNAL_NAMES = { connections: 'connections.journal', secrets: 'secrets.journal' } as const;

/**
 * Opens (or creates) Latchkey's data folder: connections.json (lowdb), secrets.json (cipher
 * blobs only) and audit/*.jsonl. Never throws for a bad file: it is set aside and reported in
 * problems(), and the store starts without it. Throws DataFolderInUseError when another live
 * process has the folder open.
 */
export async function openFileStore(dataDir: string, options: FileStoreOptions = {}): Promise<FileStore> {
  const now = options.now ?? Date.now;
  const io = withIo(options.io);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  assertAuditFolder(join(dataDir, FILE_NAMES.audit));
  const unlock = lockDataFolder(dataDir);
  removeStaleTempFiles(dataDir);
  // Side by side, so one file's read overlaps the other's parse; all settle before a failure is
  // thrown, so nothing is still writing once the lock is released.
  const [connectionsResult, secretsResult, auditResult] = await Promise.allSettled([
    openConnectionsFile(join(dataDir, FILE_NAMES.connections), {
      now,
      io,
      ...(options.compaction ? { compaction: options.compaction } : {}),
      ...(options.connectionsMigrations ? { migrations: options.connectionsMigrations } : {}),
    }),
    openSecretsFile(join(dataDir, FILE_NAMES.secrets), { now, io, ...(options.compaction ? { compaction: options.compaction } : {}) }),
    FileAuditLog.open(join(dataDir, FILE_NAMES.audit), options.audit),
  ]);
  if (connectionsResult.status === 'rejected' || secretsResult.status === 'rejected' || auditResult.status === 'rejected') {
    const opened = [connectionsResult, secretsResult, auditResult].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await Promise.allSettled(opened.map((file) => file.close()));
    unlock();
    throw [connectionsResult, secretsResult, auditResult].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))[0];
  }
  const connectionsFile = connectionsResult.value;
  const usage = openUsageFile(join(dataDir, FILE_NAMES.usage), io);
  const secretsFile = secretsResult.value;
  const audit = auditResult.value;
  let problems = [connectionsFile.problem, connectionsFile.journalProblem, secretsFile.problem, secretsFile.journalProblem].filter((p): p is StoreProblem => p !== null);
  const paths = { 'connections.json': join(dataDir, FILE_NAMES.connections), 'secrets.json': join(dataDir, FILE_NAMES.secrets) };
  const generations = storeGenerations(paths, { connections: connectionsFile, secrets: secretsFile }, (file) => {
    problems = problems.filter((p) => p.file !== paths[file]);
  });
  let closing: Promise<void> | null = null;

  return {
    connections: connectionsFile.connections,
    grants: connectionsFile.grants,
    variables: connectionsFile.variables,
    usage,
    secrets: secretsFile.secrets,
    audit,
    // A key check alone also counts: a key was in use, and a fresh one would not be it.
    hasSecrets: () => secretsFile.secrets.size > 0 || secretsFile.secrets.keyCheck() !== undefined,
    problems: () => problems.map((p) => ({ ...p })),
    generations,
    settle: async () => {
      await Promise.all([connectionsFile.document.drain(), secretsFile.document.drain()]);
    },
    journalStats: () => ({ connections: statsOf(connectionsFile.document), secrets: statsOf(secretsFile.document) }),
    journalSeqs: () => {
      const damaged = (path: string) => problems.some((p) => p.file === path || p.file === journalPathOf(path));
      return {
        'connections.json': damaged(paths['connections.json']) ? null : connectionsFile.document.seq,
        'secrets.json': damaged(paths['secrets.json']) ? null : secretsFile.document.seq,
      };
    },
    close() {
      closing ??= (async () => {
        await Promise.all([connectionsFile.close(), secretsFile.close(), usage.close()]);
        await audit.close();
        unlock();
      })();
      return closing;
    },
  };
}

const statsOf = (doc: { appends: number; compactions: number; journalBytes: number; seq: number }) => ({ appends: doc.appends, compactions: doc.compactions, journalBytes: doc.journalBytes, seq: doc.seq });

/** Something else where the audit folder belongs would otherwise stop startup with a bare EEXIST. */
function assertAuditFolder(path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return; // absent: the audit log creates it
  }
  if (!stats.isDirectory()) {
    throw new LatchkeyError(
      'STORAGE_FAILED',
      `Latchkey keeps its audit log in the folder ${path}, but a file is there. Move that file somewhere else (it is not Latchkey's) and start Latchkey again.`,
    );
  }
}

/** Temp files are only ever half of a write that did not finish; the real file is intact. */
function removeStaleTempFiles(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    if ([FILE_NAMES.connections, FILE_NAMES.secrets, JOURNAL_NAMES.connections, JOURNAL_NAMES.secrets, FILE_NAMES.usage].some((file) => isTempFileOf(name, file))) {
      rmSync(join(dataDir, name), { force: true });
    }
  }
}
