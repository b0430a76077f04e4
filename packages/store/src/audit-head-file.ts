import type { AuditHead } from '@latchkey/broker';
import { readFileSync } from 'node:fs';
import { realAuditIo, writeFully, type AuditFileHandle } from './audit-file-io.js';
import { syncFolder } from './atomic-file.js';
import { dirname } from 'node:path';

/**
 * The head of the audit log, kept outside it: one small record rewritten in place (one write
 * of a fixed 1 KiB block and an fdatasync, no rename: 1/7 the cost of an atomic replace on
 * this machine's disk, see packages/bench/src/audit.bench.ts).
 *
 * It is written alongside each batch, not after it, so a batch costs one fsync round, not two:
 * `seq/hash` is the last event known durable and `pending` the end of the batch being
 * written. After a crash the log may end at either (or between, when a batch spanned a file
 * rotation); anywhere else means the log was cut or added to. A clean close writes it settled.
 */
const BLOCK = 1024;

function parse(raw: unknown): AuditHead | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (!Number.isInteger(r['seq']) || typeof r['hash'] !== 'string') return null;
  const pending = r['pending'] ? parse(r['pending']) : null;
  return {
    seq: r['seq'] as number,
    hash: r['hash'],
    ...(typeof r['seal'] === 'string' ? { seal: r['seal'] } : {}),
    ...(pending ? { pending: { seq: pending.seq, hash: pending.hash, ...(pending.seal ? { seal: pending.seal } : {}) } } : {}),
  };
}

/** Missing or damaged: null (the broker's startup check says so). */
export function readAuditHead(path: string): AuditHead | null {
  try {
    return parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return null;
  }
}

export class AuditHeadFile {
  #handle: AuditFileHandle | null = null;
  #created = false;

  constructor(readonly path: string) {}

  async write(head: AuditHead): Promise<void> {
    const text = JSON.stringify(head);
    if (text.length >= BLOCK) throw new Error('audit head record too large');
    if (!this.#handle) {
      this.#handle = await realAuditIo.open(this.path);
      this.#created = (await this.#handle.size()) === 0;
    }
    // Padded to a fixed size, so a shorter record never leaves the end of a longer one behind.
    await writeFully(this.#handle, Buffer.from(text.padEnd(BLOCK - 1, ' ') + '\n'), 0);
    await this.#handle.datasync();
    if (this.#created) {
      this.#created = false;
      await syncFolder(dirname(this.path));
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}
