import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';

export const KEY_VAR = 'LATCHKEY_MASTER_KEY';
export const KEY_FILE_VAR = 'LATCHKEY_MASTER_KEY_FILE';
/** The launcher hands the key over on this file descriptor (a pipe), never in the environment. */
export const KEY_FD_FLAG = 'master-key-fd';

export type KeySource = 'launcher' | 'file' | 'env' | 'keychain';

export interface MasterKeyFound {
  /** The key's text (base64), or undefined: the OS keychain is asked instead. */
  key: string | undefined;
  source: KeySource;
  /** Where it came from, for the start-up line ("the file /home/me/.latchkey-key"). */
  where: string;
  /** Something the person should change, or null. */
  warning: string | null;
}

/** The key's text from a pipe or file the launcher opened; the descriptor is closed, so no child inherits it. */
export function readKeyFromFd(fd: number): string {
  try {
    return readFileSync(fd, 'utf8').trim();
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the file LATCHKEY_MASTER_KEY_FILE names. Refused unless it is a regular file owned by
 * this user and readable by nobody else (as ssh does with private keys): a key anyone on the
 * machine can read protects nothing.
 */
export function readKeyFile(path: string): string {
  // Opened once and checked through the descriptor: no swap between the check and the read.
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${KEY_FILE_VAR} must name a file; ${path} is not one`);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`${KEY_FILE_VAR}: ${path} belongs to another user; the key file must be yours`);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new Error(`${KEY_FILE_VAR}: ${path} can be read by others (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``);
    }
    return readFileSync(fd, 'utf8').trim();
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the master key comes from, in order: the launcher's pipe, the key file, the environment.
 * A key found in the environment is removed from it before anything starts — but Linux keeps a
 * process's initial environment in /proc/<pid>/environ for its whole life, where any process of
 * the same user (every child the broker starts) can read it; hence the warning and the launcher.
 */
export function findMasterKey(keyFd: number | undefined, env: NodeJS.ProcessEnv = process.env): MasterKeyFound {
  const file = env[KEY_FILE_VAR];
  const key = env[KEY_VAR];
  // Out of process.env whatever the source, so nothing started from here inherits them.
  delete env[KEY_FILE_VAR];
  delete env[KEY_VAR];
  if (keyFd !== undefined) return { key: readKeyFromFd(keyFd), source: 'launcher', where: `${KEY_VAR} (handed over by the launcher, not kept in any environment)`, warning: null };
  if (file) return { key: readKeyFile(file), source: 'file', where: `the file ${file}`, warning: null };
  if (key !== undefined) {
    return {
      key,
      source: 'env',
      where: KEY_VAR,
      warning: `${KEY_VAR} was in this process's own environment, which the system keeps readable to your other processes; start with \`bash scripts/start.sh\` or set ${KEY_FILE_VAR} instead`,
    };
  }
  return { key: undefined, source: 'keychain', where: 'the OS keychain', warning: null };
}
