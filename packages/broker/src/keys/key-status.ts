import type { KeyStatus } from '@latchkey/contracts';
import type { MasterKeyVault } from '../ports.js';

/**
 * Where the master key lives, and the first-run notice: when the key was just minted, or when the
 * person keeps it themselves (LATCHKEY_MASTER_KEY, a key file) and has made no recovery kit yet,
 * they are told where it must be kept and offered a kit. Losing that key loses every secret.
 */
export function keyStatus(vault: MasterKeyVault | null, kitMade: boolean): KeyStatus {
  if (!vault) return { managed: false, where: null, notice: null };
  const { where, minted, personKeepsIt } = vault.describe();
  if (kitMade || (!minted && !personKeepsIt)) return { managed: true, where, notice: null };
  const keep = personKeepsIt
    ? `Your master key is ${where}. Keep a copy of it somewhere safe outside this machine (a password manager): without it every saved secret is lost, and setting a different key makes them unreadable.`
    : `A new master key was created and stored ${where}. If that keychain is lost or reset, every saved secret is lost with it.`;
  return { managed: true, where, notice: `${keep} Make a recovery kit in Settings (the key, locked with a passphrase you choose) and keep the file apart from this machine.` };
}
