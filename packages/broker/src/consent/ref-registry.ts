import { LatchkeyError } from '@latchkey/contracts';
import type { Requester, Scope, SecretRef } from '@latchkey/contracts';
import { customAlphabet } from 'nanoid';

// 32 characters of a 64-symbol alphabet: 192 bits, far past guessing.
const newRef = customAlphabet('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-', 32);

export interface RefRecord {
  grantId: string;
  requesterKey: string;
  connectionId: string;
  /** The connection's target digest when the ref was issued; a ref is useless after it changes. */
  target: string;
  scopes: ReadonlySet<Scope>;
  expiresAt: number;
  /** Left for an "allow once" ref; undefined for unlimited. */
  usesLeft?: number;
  /** SQL through this ref runs in a read-only transaction. */
  readOnly?: boolean;
}

export const requesterKey = (r: Pick<Requester, 'kind' | 'id'>) => `${r.kind}:${r.id}`;

/**
 * Live refs one requester may hold at once. A ref someone was handed is never retired to make
 * room (that refused live work under load); past the cap a request is answered BUSY instead.
 * Under an "always" grant a request reuses that grant's live ref, so a caller asking in a loop
 * or with many calls in flight does not grow the table at all.
 */
export const MAX_LIVE_REFS_PER_REQUESTER = 64;

const BUSY_MESSAGE = 'Too many open SecretRefs for this requester; reuse one or wait';

/** Live SecretRefs: in memory only, so a restart kills every ref (grants persist and re-issue). */
export class RefRegistry {
  readonly #refs = new Map<string, RefRecord>();

  /**
   * Expired refs go. A spent one-use ref stays until it expires (so its holder hears "used",
   * not "unknown") but holds no place: only a person's "Allow once" makes one.
   */
  #sweep(now: number): void {
    for (const [r, rec] of this.#refs) if (rec.expiresAt <= now) this.#refs.delete(r);
  }

  liveCount(key: string, now: number): number {
    let n = 0;
    for (const rec of this.#refs.values()) if (rec.requesterKey === key && rec.expiresAt > now && rec.usesLeft !== 0) n++;
    return n;
  }

  /** Refuses with BUSY when the requester could not be given a new ref; checked before a prompt. */
  assertRoom(key: string, now: number): void {
    this.#sweep(now);
    if (this.liveCount(key, now) >= MAX_LIVE_REFS_PER_REQUESTER) throw new LatchkeyError('BUSY', BUSY_MESSAGE);
  }

  /**
   * A ref for this grant: the live one of an unlimited-use grant when it still has at least half
   * the life a new one would get (so a reused ref is never about to die), else a new one.
   */
  issue(record: RefRecord, now: number): { ref: SecretRef; expiresAt: number } {
    this.#sweep(now);
    if (record.usesLeft === undefined) {
      for (const [r, rec] of this.#refs) {
        if (rec.grantId !== record.grantId || rec.requesterKey !== record.requesterKey || rec.target !== record.target || rec.usesLeft !== undefined) continue;
        if (rec.scopes.size !== record.scopes.size || [...record.scopes].some((s) => !rec.scopes.has(s))) continue;
        if (rec.expiresAt - now >= (record.expiresAt - now) / 2) return { ref: r as SecretRef, expiresAt: rec.expiresAt };
      }
    }
    if (this.liveCount(record.requesterKey, now) >= MAX_LIVE_REFS_PER_REQUESTER) throw new LatchkeyError('BUSY', BUSY_MESSAGE);
    const ref = `lkref_${newRef()}` as SecretRef;
    this.#refs.set(ref, record);
    return { ref, expiresAt: record.expiresAt };
  }

  /**
   * Checks a presented ref. The same message for an unknown ref and someone else's, so a
   * requester cannot learn which refs exist.
   */
  check(ref: string, requester: Requester, scope: Scope, now: number): RefRecord {
    const rec = this.#refs.get(ref);
    if (!rec || rec.requesterKey !== requesterKey(requester)) throw new LatchkeyError('DENIED', 'This SecretRef is not valid for you');
    if (rec.expiresAt <= now) {
      this.#refs.delete(ref);
      throw new LatchkeyError('DENIED', 'This SecretRef has expired; request access again');
    }
    if (!rec.scopes.has(scope)) throw new LatchkeyError('DENIED', `This SecretRef does not allow ${scope}`);
    if (rec.usesLeft !== undefined) {
      if (rec.usesLeft <= 0) throw new LatchkeyError('DENIED', 'This SecretRef was for one use and has been used; request access again');
      rec.usesLeft--;
    }
    return rec;
  }

  peek(ref: string): RefRecord | undefined {
    return this.#refs.get(ref);
  }

  /** A requester's session ended (its socket closed): every ref it holds goes with it. */
  revokeRequester(key: string): number {
    let n = 0;
    for (const [ref, rec] of this.#refs) {
      if (rec.requesterKey !== key) continue;
      this.#refs.delete(ref);
      n++;
    }
    return n;
  }

  revokeGrant(grantId: string): number {
    let n = 0;
    for (const [ref, rec] of this.#refs) {
      if (rec.grantId !== grantId) continue;
      this.#refs.delete(ref);
      n++;
    }
    return n;
  }

  revokeConnection(connectionId: string): void {
    for (const [ref, rec] of this.#refs) if (rec.connectionId === connectionId) this.#refs.delete(ref);
  }
}
