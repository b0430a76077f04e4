import { z } from 'zod';
import { AuditIntegrity } from './audit.js';
import { IsoDate } from './common.js';

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
  }),
  storeProblems: z.array(StoreProblem),
  /** Whether the audit chain is keyed and what the startup check found (truncation, deletion, rewriting). */
  audit: AuditIntegrity,
  host: z.enum(['electron', 'headless']),
  version: z.string(),
});
export type SystemStatus = z.infer<typeof SystemStatus>;
