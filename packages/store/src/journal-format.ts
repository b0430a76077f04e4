import { crc32 } from 'node:zlib';

/**
 * One journal record per line: `<seq> <length> <crc32> <json>\n`.
 * - `seq` orders records and ties them to the snapshot (which stores the last seq it contains);
 * - `length` is the byte length of `<json>`, so a line cut short is never read as a whole one;
 * - `crc32` (8 hex digits) covers `<seq> <length> <json>`, so a torn or damaged line is detected.
 * JSON never contains a raw newline, so the file stays one record per line, readable by a person.
 */
export interface JournalRecord {
  seq: number;
  body: unknown;
  /** Byte offset just past this record's newline. */
  end: number;
}

export interface JournalScan {
  records: JournalRecord[];
  /** Bytes up to the end of the last good record of the unbroken prefix. */
  goodEnd: number;
  /** Bytes after `goodEnd` that hold no good record: a write cut off by a crash. Dropped, never read. */
  tornBytes: number;
  /** A bad record with good ones after it: damage, not a crash. Only the prefix before it is used. */
  damage: { offset: number; issue: string } | null;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;

export function encodeRecord(seq: number, body: unknown): string {
  const json = JSON.stringify(body);
  const length = Buffer.byteLength(json);
  const crc = crc32(`${seq} ${length} ${json}`).toString(16).padStart(8, '0');
  return `${seq} ${length} ${crc} ${json}\n`;
}

/** The decimal number in `bytes[start, end)`, or -1 when it is not one. */
function decimal(bytes: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** The record at `offset`, or why there is none. */
export function decodeAt(bytes: Buffer, offset: number): { record: JournalRecord } | { issue: string } {
  const s1 = bytes.indexOf(SPACE, offset);
  const s2 = s1 < 0 ? -1 : bytes.indexOf(SPACE, s1 + 1);
  const s3 = s2 < 0 ? -1 : bytes.indexOf(SPACE, s2 + 1);
  if (s3 < 0 || s3 - offset > 40) return { issue: 'the record header is incomplete' };
  const seq = decimal(bytes, offset, s1);
  const length = decimal(bytes, s1 + 1, s2);
  const crcText = bytes.toString('latin1', s2 + 1, s3);
  if (seq < 1 || length < 0 || !/^[0-9a-f]{8}$/.test(crcText)) return { issue: 'the record header is not valid' };
  const start = s3 + 1;
  const end = start + length;
  if (end >= bytes.length || bytes[end] !== NEWLINE) return { issue: 'the record is cut short' };
  // The same bytes encodeRecord checksummed: "<seq> <length>", a space, the JSON.
  const whole = crc32(bytes.subarray(start, end), crc32(' ', crc32(bytes.subarray(offset, s2)))) >>> 0;
  if (whole !== parseInt(crcText, 16)) return { issue: 'the record fails its checksum' };
  try {
    return { record: { seq, body: JSON.parse(bytes.toString('utf8', start, end)) as unknown, end: end + 1 } };
  } catch {
    return { issue: 'the record is not JSON' };
  }
}

/**
 * Reads every record. Stops at the first bad one: if no good record follows it, the rest is a
 * torn tail (a crash mid-append: never acknowledged, dropped); if one does, it is damage.
 */
export function scanJournal(bytes: Buffer): JournalScan {
  const records: JournalRecord[] = [];
  let offset = 0;
  let lastSeq = 0;
  while (offset < bytes.length) {
    const decoded = decodeAt(bytes, offset);
    const issue = 'issue' in decoded ? decoded.issue : decoded.record.seq <= lastSeq ? 'the record is out of order' : null;
    if (issue !== null || 'issue' in decoded) {
      const damaged = goodRecordAfter(bytes, offset);
      return damaged
        ? { records, goodEnd: offset, tornBytes: 0, damage: { offset, issue: issue ?? 'the record is not valid' } }
        : { records, goodEnd: offset, tornBytes: bytes.length - offset, damage: null };
    }
    records.push(decoded.record);
    lastSeq = decoded.record.seq;
    offset = decoded.record.end;
  }
  return { records, goodEnd: offset, tornBytes: 0, damage: null };
}

function goodRecordAfter(bytes: Buffer, offset: number): boolean {
  for (let nl = bytes.indexOf(NEWLINE, offset); nl >= 0 && nl + 1 < bytes.length; nl = bytes.indexOf(NEWLINE, nl + 1)) {
    if ('record' in decodeAt(bytes, nl + 1)) return true;
  }
  return false;
}
