import type { AuditHead } from '../ports.js';
import type { AuditKey } from './audit-key.js';
import { sealHead } from './hash.js';

export interface HeadCheckInput {
  /** The head as stored outside the log when the sink opened. */
  head: AuditHead | null;
  /** The last event in the log when it opened. */
  tail: { seq: number; hash: string } | null;
  /** The key that existed before this start. */
  key: AuditKey | null;
  /** The log was written by a broker that keeps a head: a missing one is news. */
  expectHead: boolean;
  hashAt(seq: number): string | null;
}

/**
 * What the head outside the log says about the log: cut at the end, emptied, rewritten or added
 * to. The log may end anywhere from the head's durable event to its pending one (a crash in the
 * middle of a batch); anywhere else is a change made outside Latchkey.
 */
export function checkHead({ head, tail, key, expectHead, hashAt }: HeadCheckInput): string[] {
  if (!head) {
    if (tail && expectHead) return ['The head kept outside the audit log is missing, so a cut at the end of the log cannot be ruled out.'];
    if (!tail && key) return ['The audit log is empty although its key exists: the log was deleted (or the very first start was cut short).'];
    return [];
  }
  const problems: string[] = [];
  const marks = [head.seq >= 0 ? head : null, head.pending ?? null].filter((m): m is NonNullable<typeof m> => m !== null);
  if (key && marks.some((m) => m.seq >= key.since && (!m.seal || m.seal !== sealHead(key.key, m)))) {
    problems.push('The head kept outside the audit log has no valid seal: it was not written by Latchkey.');
  }
  const low = head.seq;
  const high = head.pending?.seq ?? head.seq;
  if (!tail) {
    if (low >= 0) problems.push(`The audit log is empty, but its head says it ended at event ${low}: every audit file was deleted.`);
    return problems;
  }
  if (tail.seq < low) {
    problems.push(`The audit log ends at event ${tail.seq} but its head says ${low}: ${low - tail.seq} event(s) were cut from the end.`);
    return problems;
  }
  const rewritten = marks.some((m) => m.seq <= tail.seq && hashAt(m.seq) !== null && hashAt(m.seq) !== m.hash);
  if (rewritten) problems.push('An event named by the head outside the log differs from the log: the log was rewritten.');
  if (tail.seq > high) {
    problems.push(`The audit log has ${tail.seq - high} event(s) after its recorded head (event ${high}): written outside Latchkey, or the head could not be written.`);
  }
  return problems;
}
