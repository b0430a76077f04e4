import { z } from 'zod';
import { AuditIntegrity } from './audit.js';
import { IsoDate } from './common.js';
import { KeyStatus } from './keys.js';

export const StoreProblem = z.strictObject({
  file: z.string(),
  /** Where the damaged file was kept; null when it was left in place (a newer version's file). */
  movedTo: z.string().nullable(),
  at: IsoDate,
  message: z.string(),
});
export type StoreProblem = z.infer<typeof StoreProblem>;

export const SystemStatus = z.strictObject({
  cipher: z.strictObject({
    available: z.boolean(),
    backend: z.string(),
    /** Why secrets cannot be saved, and how to fix it. */
    reason: z.string().nullable(),
    /** The master key is not the one the stored secrets were saved with (`reason` says which is expected). */
    wrongKey: z.boolean().optional(),
  }),
  storeProblems: z.array(StoreProblem),
  /** Whether the audit chain is keyed and what the startup check found (truncation, deletion, rewriting). */
  audit: AuditIntegrity,
  host: z.enum(['electron', 'headless']),
  version: z.string(),
  /** Where the master key lives; absent from hosts that predate it. */
  keys: KeyStatus.optional(),
});
export type SystemStatus = z.infer<typeof SystemStatus>;

/** A store file Latchkey keeps an earlier generation of. */
export const StoreFileName = z.enum(['connections.json', 'secrets.json']);
export type StoreFileName = z.infer<typeof StoreFileName>;

/** The last good version of a store file, and what restoring it would change. */
export const StoreGeneration = z.strictObject({
  file: StoreFileName,
  savedAt: IsoDate,
  /** connections.json: connections and grants in it; secrets.json: stored secrets in it. */
  counts: z.strictObject({ connections: z.number().int(), grants: z.number().int(), secrets: z.number().int() }),
  /** The same counts as the store holds them now. */
  current: z.strictObject({ connections: z.number().int(), grants: z.number().int(), secrets: z.number().int() }),
  /** Connections the restore brings back (by name; for secrets.json, those whose secrets come back). */
  added: z.array(z.string()),
  /** Connections the restore removes (saved since that generation). */
  removed: z.array(z.string()),
  /** More names than listed. */
  truncated: z.boolean(),
});
export type StoreGeneration = z.infer<typeof StoreGeneration>;

export const StoreGenerations = z.strictObject({ generations: z.array(StoreGeneration) });
export type StoreGenerations = z.infer<typeof StoreGenerations>;

export const StoreRestoreInput = z.strictObject({ file: StoreFileName });
export type StoreRestoreInput = z.infer<typeof StoreRestoreInput>;
export const StoreRestoreResult = z.strictObject({ ok: z.literal(true), message: z.string() });
export type StoreRestoreResult = z.infer<typeof StoreRestoreResult>;
