import type { StoreProblem } from '@latchkey/contracts';
import { statSync } from 'node:fs';
import type { FileIo } from './atomic-file.js';
import { JournalFile, journalPathOf, readJournal } from './journal-file.js';
import { nameOf, preserveCopy } from './quarantine.js';

export interface LoadedJournal<Body> {
  file: JournalFile;
  /** Records newer than the snapshot, checked, in order: to apply over it. */
  bodies: Body[];
  /** The last seq the snapshot or the journal holds; the next record gets the one after. */
  lastSeq: number;
  /** The file holds anything at all (records, ones the snapshot already has, a torn tail): compact it. */
  nonEmpty: boolean;
  /** Where the good records end, when the file has more bytes than that (torn or damaged). */
  goodEnd: number | null;
  problem: StoreProblem | null;
}

/**
 * Reads the journal beside a snapshot holding records up to `snapshotSeq`. A torn tail is dropped
 * (its append was never acknowledged). Damage with good records after it is a problem like a
 * corrupt file: the records before it apply, the file as it was is kept beside it, and it is said.
 * `check` turns a record body into what the file applies, or says why it cannot (a record that
 * does not validate is damage too).
 */
export async function loadJournal<Body>(
  snapshotPath: string,
  io: FileIo,
  snapshotSeq: number,
  check: (body: unknown) => { ok: true; body: Body } | { ok: false; issue: string },
  now: number,
): Promise<LoadedJournal<Body>> {
  const path = journalPathOf(snapshotPath);
  const { bytes, scan } = await readJournal(path);
  const bodies: Body[] = [];
  let lastSeq = snapshotSeq;
  let damage = scan.damage;
  let kept = scan.records.length;
  for (let i = 0; i < scan.records.length; i++) {
    const record = scan.records[i]!;
    const checked = check(record.body);
    if (!checked.ok) {
      damage = { offset: i === 0 ? 0 : scan.records[i - 1]!.end, issue: `record ${record.seq}: ${checked.issue}` };
      kept = i;
      break;
    }
    if (record.seq > snapshotSeq) bodies.push(checked.body);
    lastSeq = Math.max(lastSeq, record.seq);
  }
  const records = scan.records.slice(0, kept);
  const goodEnd = damage ? damage.offset : scan.tornBytes ? scan.goodEnd : null;
  let problem: StoreProblem | null = null;
  if (damage) {
    const copy = await preserveCopy(path, 'corrupt', now, { bytes: true });
    problem = {
      file: path,
      movedTo: copy,
      at: new Date(now).toISOString(),
      message:
        `${nameOf(path)} is damaged (${damage.issue}): the ${bodies.length.toLocaleString('en-US')} changes before the damage were applied; ` +
        `later ones could not be read. The file as it was is kept as ${nameOf(copy)}.`,
    };
  }
  const file = new JournalFile(path, io, { size: bytes.length, records, exists: bytes.length > 0 });
  return { file, bodies, lastSeq, nonEmpty: bytes.length > 0, goodEnd, problem };
}

/** A file's size in bytes, 0 when it does not exist. */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
