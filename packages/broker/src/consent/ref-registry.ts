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
}

export const requesterKey = (r: Pick<Requester, 'kind' | 'id'>) => `${r.kind}:${r.id}`;

/**
 * Live refs one requester may hold at once. An "always" grant answers requests without a
 * prompt, so a requester asking in a loop would otherwise grow this map without bound; past the
 * cap its oldest refs stop working (a well-behaved caller keeps and reuses its ref).
 */
export const MAX_LIVE_REFS_PER_REQUESTER = 64;

/** Live SecretRefs: in memory only, so a restart kills every ref (grants persist and re-issue). */
export class RefRegistry {
  readonly #refs = new Map<string, RefRecord>();

  issue(record: RefRecord, now: number): SecretRef {
    const ref = `lkref_${newRef()}` as SecretRef;
    // Map order is insertion order, so the first of a requester's refs met is its oldest.
    let live = 0;
    const mine: string[] = [];
    for (const [r, rec] of this.#refs) {
      if (rec.expiresAt <= now) this.#refs.delete(r);
      else if (rec.requesterKey === record.requesterKey) {
        live++;
        mine.push(r);
      }
    }
    for (let i = 0; live - i >= MAX_LIVE_REFS_PER_REQUESTER; i++) this.#refs.delete(mine[i]!);
    this.#refs.set(ref, record);
    return ref;
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
