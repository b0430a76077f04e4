import { z } from 'zod';

/** Master key rotation, recovery kits, and where the key lives (DESIGN.md, invariant 7). */

/** A recovery kit's passphrase: long enough that guessing it through scrypt is hopeless. */
export const RECOVERY_PASSPHRASE_MIN = 12;
const Passphrase = z.string().min(1).max(1024);

export const KeysRotateInput = z.strictObject({
  /**
   * With LATCHKEY_MASTER_KEY: an absolute path (on the machine running Latchkey) of a new file the
   * new key is written to, since the environment cannot be changed from here. Ignored when the
   * key lives in the OS keychain or a key file.
   */
  keyFile: z.string().min(1).max(4096).optional(),
});
export type KeysRotateInput = z.infer<typeof KeysRotateInput>;

export const KeysRotateResult = z.strictObject({
  reencrypted: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  /** Where the new key is kept, and what the person must do (for LATCHKEY_MASTER_KEY). */
  where: z.string(),
});
export type KeysRotateResult = z.infer<typeof KeysRotateResult>;

export const ExportRecoveryKitInput = z.strictObject({ passphrase: Passphrase });
export type ExportRecoveryKitInput = z.infer<typeof ExportRecoveryKitInput>;
export const ExportRecoveryKitResult = z.strictObject({ kit: z.string(), fileName: z.string() });
export type ExportRecoveryKitResult = z.infer<typeof ExportRecoveryKitResult>;

export const RestoreFromKitInput = z.strictObject({ kit: z.string().min(1).max(4096), passphrase: Passphrase });
export type RestoreFromKitInput = z.infer<typeof RestoreFromKitInput>;
export const RestoreFromKitResult = z.strictObject({ where: z.string() });
export type RestoreFromKitResult = z.infer<typeof RestoreFromKitResult>;

/** In system:status: where the master key lives and what the person should do about it. */
export const KeyStatus = z.strictObject({
  /** The host owns the key (headless), so it can be rotated and put in a recovery kit. */
  managed: z.boolean(),
  /** Where the key is kept, in words; null when the operating system keeps it. */
  where: z.string().nullable(),
  /** Shown in the banner: where the key must be kept, and the offer of a recovery kit. */
  notice: z.string().nullable(),
});
export type KeyStatus = z.infer<typeof KeyStatus>;
