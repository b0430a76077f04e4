import { z } from 'zod';
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
    /** The master key is not the one the stored secrets were saved with (`reason` says which is expected). */
    wrongKey: z.boolean().optional(),
  }),
  storeProblems: z.array(StoreProblem),
  host: z.enum(['electron', 'headless']),
  version: z.string(),
});
export type SystemStatus = z.infer<typeof SystemStatus>;
