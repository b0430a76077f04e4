import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { AuditEvent, ConsentDecision, ConsentPrompt, Grant } from '@latchkey/contracts';
import type {
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
}

export class MemoryAuditSink implements AuditSink {
  readonly lines_: AuditLine[] = [];
  #tail: { seq: number; hash: string } | null = null;
  tail() {
    return this.#tail;
  }
  async append(event: AuditEvent) {
    this.lines_.push({ file: 'memory.jsonl', text: JSON.stringify(event) });
    this.#tail = { seq: event.seq, hash: event.hash };
  }
  lines(): Iterable<AuditLine> {
    return this.lines_;
  }
}

/** A real AES-256-GCM cipher with a random in-memory key: tests exercise true encryption. */
export function createTestCipher(): Cipher {
  const key = randomBytes(32);
  return {
    backend: 'test-aes-gcm',
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
}

export function createMemoryPorts(): MemoryPorts {
  return { connections: new MemoryConnectionRepository(), grants: new MemoryRepository(), secrets: new MemorySecretStore(), audit: new MemoryAuditSink() };
}
