import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LatchkeyError, REQUESTER_SOCKET_FILE, REQUESTER_TOKEN_FILE } from '@latchkey/contracts';

/**
 * The data folder, the token file and the socket are the whole of the socket's authentication:
 * a caller proves it is this user by reading a file only this user can read. So each is checked
 * to be ours, private and not a symlink before it is trusted, on both sides.
 */
const uid = (): number => process.getuid?.() ?? -1;

export const socketPathIn = (dataDir: string): string => join(dataDir, REQUESTER_SOCKET_FILE);
export const tokenPathIn = (dataDir: string): string => join(dataDir, REQUESTER_TOKEN_FILE);

/** Longest socket path Linux accepts (sun_path is 108 bytes with its terminator). */
const MAX_SOCKET_PATH = 107;

export function assertSocketPathFits(path: string): void {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new LatchkeyError('UNAVAILABLE', `The data folder's path is too long for a local socket (${Buffer.byteLength(path)} bytes; at most ${MAX_SOCKET_PATH}): choose a shorter --data-dir`);
  }
}

/** The data folder: a real folder (no symlink), ours, 0700 (tightened when it is ours but looser). */
export function ensurePrivateFolder(dataDir: string): void {
  const st = lstatSync(dataDir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new LatchkeyError('FORBIDDEN', `${dataDir} is not a folder (a symlink is refused)`);
  if (st.uid !== uid()) throw new LatchkeyError('FORBIDDEN', `${dataDir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) chmodSync(dataDir, 0o700);
}

/** Refuses a folder another user could enter or swap files in (the client's check before it sends the token). */
export function assertPrivateFolder(dataDir: string): void {
  const st = lstatSync(dataDir);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new LatchkeyError('FORBIDDEN', `${dataDir} is not a folder (a symlink is refused)`);
  if (st.uid !== uid()) throw new LatchkeyError('FORBIDDEN', `${dataDir} belongs to another user: refusing to send it the token`);
  if ((st.mode & 0o022) !== 0) throw new LatchkeyError('FORBIDDEN', `${dataDir} can be written by other users: refusing to use it`);
}

/**
 * The per-user token: read when present (ours, 0600, a regular file, not a symlink), else made
 * (32 random bytes, created exclusively with mode 0600 so no moment exists where it is readable).
 */
export function ensureToken(dataDir: string, file = REQUESTER_TOKEN_FILE): string {
  const path = join(dataDir, file);
  try {
    return readToken(dataDir, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  return token;
}

export function readToken(dataDir: string, file = REQUESTER_TOKEN_FILE): string {
  const path = join(dataDir, file);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new LatchkeyError('FORBIDDEN', `${path} is a symlink: refused`);
    throw error;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new LatchkeyError('FORBIDDEN', `${path} is not a regular file`);
    if (st.uid !== uid()) throw new LatchkeyError('FORBIDDEN', `${path} belongs to another user`);
    if ((st.mode & 0o077) !== 0) throw new LatchkeyError('FORBIDDEN', `${path} can be read by other users (mode ${(st.mode & 0o777).toString(8)}): delete it and restart Latchkey`);
    const token = readFileSync(fd, 'utf8').trim();
    if (token.length < 32) throw new LatchkeyError('FORBIDDEN', `${path} does not hold a token`);
    return token;
  } finally {
    closeSync(fd);
  }
}

export type SocketState = 'absent' | 'ours';

/** What sits at the socket path: nothing, or a socket of ours (maybe stale). Anything else is refused. */
export function inspectSocketPath(path: string): SocketState {
  let st;
  try {
    st = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  if (st.isSymbolicLink()) throw new LatchkeyError('FORBIDDEN', `${path} is a symlink: refused`);
  if (!st.isSocket()) throw new LatchkeyError('FORBIDDEN', `${path} exists and is not a socket: refused`);
  if (st.uid !== uid()) throw new LatchkeyError('FORBIDDEN', `${path} is a socket of another user: refused`);
  return 'ours';
}
