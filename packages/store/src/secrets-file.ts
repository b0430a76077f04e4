import type { SecretStore } from '@latchkey/broker';
import type { StoreProblem } from '@latchkey/contracts';
import { Low } from 'lowdb';
import type { FileIo } from './atomic-file.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { describeIssue, loadDocument, type Validation } from './document.js';
import type { Migration } from './migrations.js';
import { STORE_CLOSED } from './repository.js';

export const SECRETS_FILE_VERSION = 1;
export const secretsMigrations: readonly Migration[] = [];

export interface SecretsDocument {
  version: number;
  /** Cipher blobs, base64, by secret id. Never plaintext: the store only ever sees ciphertext. */
  blobs: Record<string, string>;
}

const isSecretId = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= 200;

function validate(raw: Record<string, unknown>): Validation<SecretsDocument> {
  // By hand rather than with zod: a record of 10,000 entries costs zod ~20 ms at cold start.
  const source = raw.blobs;
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    return { ok: false, issue: describeIssue(['blobs'], 'expected an object of secret ids to base64 blobs') };
  }
  const blobs: Record<string, string> = {};
  let dropped = 0;
  let issue: string | null = null;
  const entries = Object.entries(source);
  for (const [id, blob] of entries) {
    // A string that is not good base64 is kept: it fails to decrypt, and the broker marks only
    // that connection invalid (DESIGN.md, invariant 8). Only what cannot be a blob at all goes.
    if (typeof blob === 'string' && isSecretId(id)) blobs[id] = blob;
    else {
      dropped++;
      issue ??= `blobs.${id} is not a cipher blob`;
    }
  }
  const data = { version: SECRETS_FILE_VERSION, blobs };
  if (!dropped) return { ok: true, data, dropped: null };
  return { ok: true, data, dropped: { count: dropped, total: entries.length, noun: 'secrets', issue: issue ?? 'invalid blob' } };
}

class FileSecretStore implements SecretStore {
  readonly #blobs: Map<string, string>;
  closed = false;

  constructor(
    initial: Record<string, string>,
    private readonly writer: CoalescingWriter,
    private readonly readOnlyReason: string | null,
  ) {
    this.#blobs = new Map(Object.entries(initial));
  }

  private get readOnly(): string | null {
    return this.closed ? STORE_CLOSED : this.readOnlyReason;
  }

  get(id: string): Uint8Array | undefined {
    const blob = this.#blobs.get(id);
    // A fresh copy each time, so no caller can change what the store holds.
    return blob === undefined ? undefined : new Uint8Array(Buffer.from(blob, 'base64'));
  }

  put(id: string, blob: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(new Error(this.readOnly));
    if (!isSecretId(id)) return Promise.reject(new Error('This secret was not saved: its id is not valid.'));
    if (!(blob instanceof Uint8Array) || blob.length === 0) return Promise.reject(new Error('This secret was not saved: it is not a cipher blob.'));
    this.#blobs.set(id, Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64'));
    return this.writer.request();
  }

  delete(id: string): Promise<void> {
    if (this.readOnly) return Promise.reject(new Error(this.readOnly));
    if (!this.#blobs.delete(id)) return Promise.resolve();
    return this.writer.request();
  }

  get size(): number {
    return this.#blobs.size;
  }

  snapshot(): SecretsDocument {
    return { version: SECRETS_FILE_VERSION, blobs: Object.fromEntries(this.#blobs) };
  }
}

export interface SecretsFile {
  secrets: SecretStore & { readonly size: number };
  problem: StoreProblem | null;
  writer: CoalescingWriter;
  close(): Promise<void>;
}

/** secrets.json: `{ version: 1, blobs: { [secretId]: base64 } }`, written atomically. */
export async function openSecretsFile(
  path: string,
  options: { now: () => number; io?: FileIo; migrations?: readonly Migration[] },
): Promise<SecretsFile> {
  const loaded = await loadDocument<SecretsDocument>({
    path,
    versionKey: 'version',
    currentVersion: SECRETS_FILE_VERSION,
    migrations: options.migrations ?? secretsMigrations,
    validate,
    empty: () => ({ version: SECRETS_FILE_VERSION, blobs: {} }),
    emptyMeaning: 'no stored secrets (connections that had one need it entered again)',
    now: options.now,
    io: options.io,
  });
  const db = new Low<SecretsDocument>(loaded.file, loaded.data);
  const writer = new CoalescingWriter(() => {
    db.data = store.snapshot();
    return db.write();
  });
  const store = new FileSecretStore(loaded.data.blobs, writer, loaded.readOnly);
  if (loaded.dirty) await writer.request();
  const close = () => ((store.closed = true), writer.drain());
  return { secrets: store, problem: loaded.problem, writer, close };
}
