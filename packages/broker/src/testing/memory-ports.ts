import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AuditEvent, ConsentDecision, ConsentPrompt, Grant } from '@latchkey/contracts';
import type {
  AuditHead,
  AuditLine,
  AuditSink,
  Cipher,
  Clock,
  ConnectionChange,
  ConnectionRecord,
  ConnectionRepository,
  ConsentPrompter,
  JournaledAuditInput,
  Repository,
  SecretStore,
  UsageRecord,
  UsageStore,
  VariableChange,
  VariableRecord,
  VariableRepository,
} from '../ports.js';

export class MemoryRepository<T extends { id: string }> implements Repository<T> {
  readonly #items = new Map<string, T>();
  writes = 0;
  all(): readonly T[] {
    return [...this.#items.values()];
  }
  get(id: string): T | undefined {
    return this.#items.get(id);
  }
  async put(record: T): Promise<void> {
    this.writes++;
    // Frozen like the file store's records: a caller must put a copy, not edit what it got.
    this.#items.set(record.id, Object.freeze(structuredClone(record)));
  }
  async delete(id: string): Promise<void> {
    this.#items.delete(id);
  }
}

/** Connections with the write-ahead audit journal, in memory: a commit lands whole or not at all. */
export class MemoryConnectionRepository extends MemoryRepository<ConnectionRecord> implements ConnectionRepository {
  readonly journal = new Map<string, JournaledAuditInput>();
  /** Set to make the next commits fail as a full disk would. */
  failWith: Error | null = null;
  async commit(change: ConnectionChange): Promise<void> {
    if (this.failWith) throw this.failWith;
    for (const record of change.put ?? []) await this.put(record);
    for (const id of change.delete ?? []) await this.delete(id);
    for (const entry of change.audit) this.journal.set(entry.eventId, entry);
  }
  pendingAudit(): readonly JournaledAuditInput[] {
    return [...this.journal.values()];
  }
  auditRecorded(eventIds: readonly string[]): void {
    for (const id of eventIds) this.journal.delete(id);
  }
}

export class MemorySecretStore implements SecretStore {
  readonly blobs = new Map<string, Uint8Array>();
  get(id: string) {
    return this.blobs.get(id);
  }
  async put(id: string, blob: Uint8Array) {
    this.blobs.set(id, blob);
  }
  async delete(id: string) {
    this.blobs.delete(id);
  }
  ids() {
    return [...this.blobs.keys()];
  }
  check: Uint8Array | undefined;
  keyCheck() {
    return this.check;
  }
  async setKeyCheck(blob: Uint8Array) {
    this.check = blob;
  }
  async replaceAll(build: () => { blobs: Map<string, Uint8Array>; keyCheck: Uint8Array }, landed: () => void) {
    const next = build();
    this.blobs.clear();
    for (const [id, blob] of next.blobs) this.blobs.set(id, blob);
    this.check = next.keyCheck;
    landed();
  }
}

export class MemoryAuditSink implements AuditSink {
  readonly lines_: AuditLine[] = [];
  /** The head as a file sink keeps it outside the log; tests may tamper with it. */
  head_: AuditHead | null = null;
  /** Set to make appends fail (a full disk, say) until cleared. */
  failWith: Error | null = null;
  /** The last line that parses, as a file sink finds it when it opens: tests may cut or rewrite lines_. */
  tail(): { seq: number; hash: string } | null {
    for (let i = this.lines_.length - 1; i >= 0; i--) {
      try {
        const e = JSON.parse(this.lines_[i]!.text) as { seq?: unknown; hash?: unknown };
        if (typeof e.seq === 'number' && typeof e.hash === 'string') return { seq: e.seq, hash: e.hash };
      } catch {
        // a damaged line: look further back
      }
    }
    return null;
  }
  storedHead() {
    return this.head_;
  }
  async append(event: AuditEvent, seal?: string) {
    if (this.failWith) throw this.failWith;
    const t = this.tail();
    // As the file sink: a line that does not continue the durable tail is refused.
    if (t && (event.seq !== t.seq + 1 || event.prevHash !== t.hash)) throw new Error(`Audit event ${event.seq} does not continue the log`);
    this.lines_.push({ file: 'memory.jsonl', text: JSON.stringify(event) });
    this.head_ = { seq: event.seq, hash: event.hash, ...(seal ? { seal } : {}) };
  }
  *lines(from = 0): Iterable<AuditLine> {
    for (let i = from; i < this.lines_.length; i++) yield { ...this.lines_[i]!, position: i };
  }
}

/**
 * A real AES-256-GCM cipher with a random in-memory key (or the one given, so a restarted process
 * reads what a killed one wrote): tests exercise true encryption.
 */
export function createTestCipher(key: Uint8Array = randomBytes(32), backend = 'test-aes-gcm'): Cipher {
  return {
    backend,
    isAvailable: () => true,
    unavailableReason: () => null,
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return Buffer.concat([iv, body, c.getAuthTag()]);
    },
    decrypt(blob) {
      const b = Buffer.from(blob);
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(b.length - 16));
      return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
    },
  };
}

/** What the broker sees on Linux with `basic_text`, or with no key at all. */
export function createUnavailableCipher(backend = 'basic_text', reason = 'the system keyring is locked or missing'): Cipher {
  const refuse = () => {
    throw new Error(`cipher unavailable: ${reason}`);
  };
  return { backend, isAvailable: () => false, unavailableReason: () => reason, encrypt: refuse, decrypt: refuse };
}

export class ManualClock implements Clock {
  constructor(public t = Date.parse('2026-11-23T00:00:00Z')) {}
  now() {
    return this.t;
  }
  advance(ms: number) {
    this.t += ms;
  }
}

/** Answers consent prompts from a script, recording what the person would have seen. */
export class ScriptedPrompter implements ConsentPrompter {
  readonly seen: ConsentPrompt[] = [];
  constructor(public answer: (p: ConsentPrompt) => ConsentDecision | 'hang' = () => ({ decision: 'deny' })) {}
  prompt(prompt: ConsentPrompt, signal: AbortSignal): Promise<ConsentDecision> {
    this.seen.push(prompt);
    const a = this.answer(prompt);
    if (a !== 'hang') return Promise.resolve(a);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
  }
}

export interface MemoryPorts {
  connections: MemoryConnectionRepository;
  grants: MemoryRepository<Grant>;
  secrets: MemorySecretStore;
  audit: MemoryAuditSink;
  variables: MemoryVariableRepository;
  usage: MemoryUsageStore;
}

export function createMemoryPorts(): MemoryPorts {
  const connections = new MemoryConnectionRepository();
  const variables = new MemoryVariableRepository();
  variables.journalOf = connections;
  return { connections, grants: new MemoryRepository(), secrets: new MemorySecretStore(), audit: new MemoryAuditSink(), variables, usage: new MemoryUsageStore() };
}

/** Variables with the write-ahead journal, in memory (the journal entries are kept but not read back). */
export class MemoryVariableRepository extends MemoryRepository<VariableRecord> implements VariableRepository {
  /** The connections repository whose journal the events share (as in connections.json); set by createMemoryPorts. */
  journalOf: MemoryConnectionRepository | null = null;
  async commit(change: VariableChange): Promise<void> {
    for (const record of change.put ?? []) await this.put(record);
    for (const id of change.delete ?? []) await this.delete(id);
    for (const entry of change.audit) this.journalOf?.journal.set(entry.eventId, entry);
  }
}

/** Usage counts in memory; `saves` counts the coalesced writes a test can assert on. */
export class MemoryUsageStore implements UsageStore {
  records: UsageRecord[] = [];
  saves = 0;
  load(): readonly UsageRecord[] {
    return this.records;
  }
  async save(records: readonly UsageRecord[]): Promise<void> {
    this.saves++;
    this.records = structuredClone([...records]);
  }
}
