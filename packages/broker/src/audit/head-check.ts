import type { AuditHead } from '../ports.js';
import type { AuditKey } from './audit-key.js';
import { checkSeal } from './hash.js';

export interface HeadCheckInput {
  /** The head as stored outside the log when the sink opened. */
  head: AuditHead | null;
  /** The last event in the log when it opened. */
  tail: { seq: number; hash: string } | null;
  /** The key that existed before this start. */
  key: AuditKey | null;
  /** The log was written by a broker that keeps a head: a missing one is news. */
  expectHead: boolean;
  /** The stored event at `seq` (its hash, and whether it is keyed), or null when it is not in the log. */
  eventAt(seq: number): { hash: string; keyed: boolean } | null;
}

/**
 * What the head outside the log says about the log: cut at the end, emptied, rewritten or added
 * to. The log may end anywhere from the head's durable event to its pending one (a crash in the
 * middle of a batch); anywhere else is a change made outside Latchkey.
 */
export function checkHead({ head, tail, key, expectHead, eventAt }: HeadCheckInput): string[] {
  if (!head) {
    if (tail && expectHead) return ['The head kept outside the audit log is missing, so a cut at the end of the log cannot be ruled out.'];
    // A key still pending had no event durable yet: the start that made it was cut short.
    if (!tail && key && !key.pending) return ['The audit log is empty although its key exists: the log was deleted.'];
    return [];
  }
  const problems: string[] = [];
  const marks = [head.seq >= 0 ? head : null, head.pending ?? null].filter((m): m is NonNullable<typeof m> => m !== null);
  // A seal is checked wherever there is one, and required where the event it names is keyed (or gone).
  const sealBad = (m: (typeof marks)[number]) => (m.seal ? !checkSeal(key!.key, m, m.seal).valid : m.seq >= key!.since && eventAt(m.seq)?.keyed !== false);
  if (key && marks.some(sealBad)) {
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
  const rewritten = marks.some((m) => {
    const stored = m.seq <= tail.seq ? eventAt(m.seq) : null;
    return stored !== null && stored.hash !== m.hash;
  });
  if (rewritten) problems.push('An event named by the head outside the log differs from the log: the log was rewritten.');
  if (tail.seq > high) {
    problems.push(`The audit log has ${tail.seq - high} event(s) after its recorded head (event ${high}): written outside Latchkey, or the head could not be written.`);
  }
  return problems;
}

/** Whether the broker sealed this head while it was also anchored outside the data folder: its anchor must exist then. */
export function headSaysAnchored(head: AuditHead | null, key: AuditKey | null): boolean {
  if (!head || !key) return false;
  return [head.seq >= 0 ? head : null, head.pending ?? null].some((m) => m?.seal !== undefined && checkSeal(key.key, m, m.seal).valid && checkSeal(key.key, m, m.seal).anchored);
}
