import type { AuditHead } from '../ports.js';
import type { AuditKey } from './audit-key.js';
import { sealHead } from './hash.js';

export interface HeadCheckInput {
  /** The head as stored outside the log when the sink opened. */
  head: AuditHead | null;
  /** The last event in the log when it opened. */
  tail: { seq: number; hash: string } | null;
  key: AuditKey | null;
  /** The log was written by a broker that keeps a head: a missing one is news. */
  expectHead: boolean;
  hashAt(seq: number): string | null;
}

/** What the head outside the log says about the log: cut at the end, emptied, rewritten or added to. */
export function checkHead({ head, tail, key, expectHead, hashAt }: HeadCheckInput): string[] {
  if (!head) {
    if (tail && expectHead) return ['The head kept outside the audit log is missing, so a cut at the end of the log cannot be ruled out.'];
    if (!tail && key) return ['The audit log is empty although its key exists: the log was deleted (or the very first start was cut short).'];
    return [];
  }
  const problems: string[] = [];
  if (key && head.seq >= key.since) {
    if (!head.seal) problems.push('The head kept outside the audit log carries no seal: it was not written by Latchkey.');
    else if (head.seal !== sealHead(key.key, head)) problems.push('The head kept outside the audit log has a wrong seal: it was not written by Latchkey.');
  }
  if (!tail) {
    problems.push(`The audit log is empty, but its head says it ended at event ${head.seq}: every audit file was deleted.`);
  } else if (head.seq > tail.seq) {
    problems.push(`The audit log ends at event ${tail.seq} but its head says ${head.seq}: ${head.seq - tail.seq} event(s) were cut from the end.`);
  } else if (head.seq < tail.seq) {
    const atHead = hashAt(head.seq);
    if (atHead !== null && atHead !== head.hash) problems.push(`Event ${head.seq} differs from the head recorded outside the log: the log was rewritten.`);
    problems.push(`The audit log has ${tail.seq - head.seq} event(s) after its recorded head (event ${head.seq}): written outside Latchkey, or a crash between the log and the head.`);
  } else if (head.hash !== tail.hash) {
    problems.push(`The last audit event differs from the head recorded outside the log: the log was rewritten.`);
  }
  return problems;
}
