import { constants, promises as fsp } from 'node:fs';

/** The calls the audit log makes on an open file: replaceable so tests can inject ENOSPC, short writes, EIO. */
export interface AuditFileHandle {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export interface AuditFileIo {
  /** Opens (creating, owner-only) for positional reads and writes; never O_APPEND, so a torn write can be cut back. */
  open(path: string): Promise<AuditFileHandle>;
}

export const realAuditIo: AuditFileIo = {
  async open(path) {
    const fd = await fsp.open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    return {
      write: (buffer, offset, length, position) => fd.write(buffer, offset, length, position),
      datasync: () => fd.datasync(),
      truncate: (length) => fd.truncate(length),
      size: async () => (await fd.stat()).size,
      read: (buffer, offset, length, position) => fd.read(buffer, offset, length, position),
      close: () => fd.close(),
    };
  },
};

/**
 * Writes all of `buffer` at `position`. A write that reports fewer bytes is continued, one that
 * writes nothing is a failure: a short write is never taken for a complete one.
 */
export async function writeFully(handle: AuditFileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, done, buffer.length - done, position + done);
    if (!(bytesWritten > 0)) {
      throw Object.assign(new Error(`The audit log could not be written: the disk accepted ${done} of ${buffer.length} bytes.`), { code: 'ENOSPC' });
    }
    done += bytesWritten;
  }
}
