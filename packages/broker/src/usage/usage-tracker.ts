import type { ConnectionUsage, ConnectionUser, Requester, UsageVia } from '@latchkey/contracts';
import type { BrokerEvents } from '../events.js';
import type { Clock, UsageRecord, UsageStore } from '../ports.js';

const iso = (ms: number) => new Date(ms).toISOString();
/** Past this many (connection, user) pairs the least recently used are forgotten. */
const MAX_RECORDS = 20_000;

type Timer = ReturnType<typeof setTimeout>;
const unref = (t: Timer): Timer => ((t as { unref?: () => void }).unref?.(), t);

/**
 * "Used by N": who used each connection, how often, last when — through a grant, an executor, a
 * template or a SecretRef operation. Counted in memory; saved through the `UsageStore` port at
 * most once per `saveDelayMs` (never per use, never in connections.json), so a crash loses at most
 * the last few seconds of counts: acceptable for a figure that is not a record (the audit log is).
 * Listeners hear `usage:changed` at most every `emitDelayMs`.
 */
export class UsageTracker {
  readonly #records = new Map<string, UsageRecord>();
  #saveTimer: Timer | null = null;
  #emitTimer: Timer | null = null;
  readonly #changed = new Set<string>();
  #saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly d: { store: UsageStore | null; events: BrokerEvents; clock: Clock; saveDelayMs?: number; emitDelayMs?: number },
  ) {
    for (const r of d.store?.load() ?? []) this.#records.set(this.#key(r.connectionId, r.requester), { ...r, via: [...r.via] });
  }

  #key(connectionId: string, requester: Pick<Requester, 'kind' | 'id'>): string {
    return `${connectionId}|${requester.kind}:${requester.id}`;
  }

  count(connectionId: string, requester: Requester, via: UsageVia): void {
    const key = this.#key(connectionId, requester);
    const now = iso(this.d.clock.now());
    const hit = this.#records.get(key);
    if (hit) {
      this.#records.delete(key);
      this.#records.set(key, { ...hit, requester, count: hit.count + 1, lastUsedAt: now, via: hit.via.includes(via) ? hit.via : [...hit.via, via] });
    } else {
      this.#records.set(key, { connectionId, requester, via: [via], count: 1, lastUsedAt: now });
      if (this.#records.size > MAX_RECORDS) this.#records.delete(this.#records.keys().next().value!);
    }
    this.#changed.add(connectionId);
    this.#schedule();
  }

  /** A purged connection's counts go with it. */
  forget(connectionId: string): void {
    let any = false;
    for (const [key, r] of this.#records) {
      if (r.connectionId !== connectionId) continue;
      this.#records.delete(key);
      any = true;
    }
    if (!any) return;
    this.#changed.add(connectionId);
    this.#schedule();
  }

  usersOf(connectionId: string): ConnectionUser[] {
    const users: ConnectionUser[] = [];
    for (const r of this.#records.values()) if (r.connectionId === connectionId) users.push({ requester: r.requester, via: [...r.via], count: r.count, lastUsedAt: r.lastUsedAt });
    return users.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
  }

  list(): ConnectionUsage[] {
    const by = new Map<string, ConnectionUser[]>();
    for (const r of this.#records.values()) {
      let users = by.get(r.connectionId);
      if (!users) by.set(r.connectionId, (users = []));
      users.push({ requester: r.requester, via: [...r.via], count: r.count, lastUsedAt: r.lastUsedAt });
    }
    return [...by].map(([connectionId, users]) => ({ connectionId, users: users.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt)) }));
  }

  #schedule(): void {
    this.#emitTimer ??= unref(setTimeout(() => this.#emit(), this.d.emitDelayMs ?? 200));
    if (this.d.store) this.#saveTimer ??= unref(setTimeout(() => void this.#save(), this.d.saveDelayMs ?? 2000));
  }

  #emit(): void {
    this.#emitTimer = null;
    const ids = [...this.#changed];
    this.#changed.clear();
    if (ids.length) this.d.events.emit('usage:changed', { ids });
  }

  #save(): Promise<void> {
    this.#saveTimer = null;
    const store = this.d.store;
    if (!store) return Promise.resolve();
    const snapshot = [...this.#records.values()];
    // One save at a time, in order; a failed save is tried again with the next change.
    this.#saving = this.#saving.then(() => store.save(snapshot)).catch(() => undefined);
    return this.#saving;
  }

  /** At close: what is counted is saved, and nothing stays scheduled. */
  async close(): Promise<void> {
    if (this.#emitTimer) {
      clearTimeout(this.#emitTimer);
      this.#emit();
    }
    if (this.#saveTimer) {
      clearTimeout(this.#saveTimer);
      await this.#save();
    }
    await this.#saving;
  }
}
