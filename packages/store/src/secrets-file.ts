import type { SecretStore } from '@latchkey/broker';
import { LatchkeyError, type StoreProblem } from '@latchkey/contracts';
import { Low } from 'lowdb';
import { rm } from 'node:fs/promises';
import type { FileIo } from './atomic-file.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { describeIssue, loadDocument, type LoadedDocument, type Validation } from './document.js';
import type { Migration } from './migrations.js';
import { STORE_CLOSED } from './repository.js';
import { generationPathOf, keepGeneration, readGeneration } from './generations.js';
import { readOnlyError, storageError } from './storage-error.js';

export const SECRETS_FILE_VERSION = 1;
export const secretsMigrations: readonly Migration[] = [];

export interface SecretsDocument {
  version: number;
  /** The key check value (see SecretStore.keyCheck), base64; absent until the first secret is saved. */
  keyCheck?: string;
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
  const keyCheck = typeof raw.keyCheck === 'string' && raw.keyCheck.length > 0 ? raw.keyCheck : undefined;
  const data: SecretsDocument = keyCheck === undefined ? { version: SECRETS_FILE_VERSION, blobs } : { version: SECRETS_FILE_VERSION, keyCheck, blobs };
  if (!dropped) return { ok: true, data, dropped: null };
  return { ok: true, data, dropped: { count: dropped, total: entries.length, noun: 'secrets', issue: issue ?? 'invalid blob' } };
}

type BlobChange = { id: string; blob: string | null };

/**
 * Cipher blobs in memory, written through. As in FileRepository, a change reaches memory only
 * once the write carrying it is durable; a failed write drops it and rejects its callers.
 */
class FileSecretStore implements SecretStore {
  #blobs: Map<string, string>;
  #pending: BlobChange[] = [];
  #staged: Map<string, string> | null = null;
  #keyCheck: string | undefined;
  #pendingKeyCheck: string | undefined;
  #stagedKeyCheck: string | undefined;
  closed = false;

  constructor(
    initial: SecretsDocument,
    private readonly writer: CoalescingWriter,
    private readonly readOnlyReason: string | null,
  ) {
    this.#blobs = new Map(Object.entries(initial.blobs));
    this.#keyCheck = initial.keyCheck;
  }

  private get readOnly(): string | null {
    return this.closed ? STORE_CLOSED : this.readOnlyReason;
  }

  get(id: string): Uint8Array | undefined {
    const blob = this.#blobs.get(id);
    // A fresh copy each time, so no caller can change what the store holds.
    return blob === undefined ? undefined : new Uint8Array(Buffer.from(blob, 'base64'));
  }

  ids(): Iterable<string> {
    return [...this.#blobs.keys()];
  }

  put(id: string, blob: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(readOnlyError(this.readOnly));
    const busy = this.#refuseWhileReplacing();
    if (busy) return busy;
    if (!isSecretId(id)) return Promise.reject(new LatchkeyError('VALIDATION', 'This secret was not saved: its id is not valid.'));
    if (!(blob instanceof Uint8Array) || blob.length === 0) return Promise.reject(new LatchkeyError('VALIDATION', 'This secret was not saved: it is not a cipher blob.'));
    this.#pending.push({ id, blob: toBase64(blob) });
    return this.writer.request();
  }

  delete(id: string): Promise<void> {
    if (this.readOnly) return Promise.reject(readOnlyError(this.readOnly));
    const busy = this.#refuseWhileReplacing();
    if (busy) return busy;
    if (!this.#blobs.has(id) && !this.#staged?.has(id) && !this.#pending.some((c) => c.id === id)) return Promise.resolve();
    this.#pending.push({ id, blob: null });
    return this.writer.request();
  }

  keyCheck(): Uint8Array | undefined {
    return this.#keyCheck === undefined ? undefined : new Uint8Array(Buffer.from(this.#keyCheck, 'base64'));
  }

  setKeyCheck(blob: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(readOnlyError(this.readOnly));
    const busy = this.#refuseWhileReplacing();
    if (busy) return busy;
    if (!(blob instanceof Uint8Array) || blob.length === 0) return Promise.reject(new LatchkeyError('VALIDATION', 'The key check is not a cipher blob.'));
    this.#pendingKeyCheck = toBase64(blob);
    return this.writer.request();
  }

  /** Set while a key rotation's replacement is on its way: other writes are refused, not mixed in. */
  #replacing = false;
  #replacement: { blobs: Map<string, string>; keyCheck: string; landed: () => void } | null = null;

  async replaceAll(build: () => { blobs: Map<string, Uint8Array>; keyCheck: Uint8Array }, landed: () => void): Promise<void> {
    if (this.readOnly) throw readOnlyError(this.readOnly);
    if (this.#replacing) throw new LatchkeyError('CONFLICT', 'The master key is already being changed.');
    this.#replacing = true;
    try {
      // Writes already asked for land first (under the old key), so `build` sees all of them.
      await this.writer.drain();
      const next = build();
      if (!(next.keyCheck instanceof Uint8Array) || next.keyCheck.length === 0) throw new LatchkeyError('VALIDATION', 'The key check is not a cipher blob.');
      const blobs = new Map<string, string>();
      for (const [id, blob] of next.blobs) {
        if (!isSecretId(id) || !(blob instanceof Uint8Array) || blob.length === 0) throw new LatchkeyError('VALIDATION', 'A re-encrypted secret is not a cipher blob.');
        blobs.set(id, toBase64(blob));
      }
      this.#replacement = { blobs, keyCheck: toBase64(next.keyCheck), landed };
      await this.writer.request();
    } finally {
      this.#replacement = null;
      this.#replacing = false;
    }
  }

  /** A rotation's replacement is the write now being made. */
  get replacing(): boolean {
    return this.#replacement !== null;
  }

  #refuseWhileReplacing(): Promise<never> | null {
    return this.#replacing ? Promise.reject(new LatchkeyError('CONFLICT', 'This secret was not saved: the master key is being changed. Try again in a moment.')) : null;
  }

  get size(): number {
    return this.#blobs.size;
  }

  /** The writer is starting: pending changes go into this write. */
  stage(): void {
    if (this.#replacement) {
      // Nothing else can be pending: writes are refused while a replacement is on its way.
      this.#staged = this.#replacement.blobs;
      this.#stagedKeyCheck = this.#replacement.keyCheck;
      return;
    }
    this.#stagedKeyCheck = this.#pendingKeyCheck ?? this.#keyCheck;
    this.#pendingKeyCheck = undefined;
    if (!this.#pending.length) return;
    const next = new Map(this.#blobs);
    for (const change of this.#pending) {
      if (change.blob === null) next.delete(change.id);
      else next.set(change.id, change.blob);
    }
    this.#pending = [];
    this.#staged = next;
  }

  landed(): void {
    if (this.#staged) this.#blobs = this.#staged;
    this.#keyCheck = this.#stagedKeyCheck;
    this.#staged = null;
    this.#stagedKeyCheck = undefined;
    const replaced = this.#replacement;
    this.#replacement = null;
    replaced?.landed();
  }

  abort(): void {
    this.#staged = null;
    this.#stagedKeyCheck = undefined;
  }

  snapshot(): SecretsDocument {
    const blobs = Object.fromEntries(this.#staged ?? this.#blobs);
    const keyCheck = this.#stagedKeyCheck ?? this.#keyCheck;
    return keyCheck === undefined ? { version: SECRETS_FILE_VERSION, blobs } : { version: SECRETS_FILE_VERSION, keyCheck, blobs };
  }
}

const toBase64 = (blob: Uint8Array): string => Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64');

export interface SecretsFile {
  secrets: SecretStore & { readonly size: number };
  problem: StoreProblem | null;
  writer: CoalescingWriter;
  close(): Promise<void>;
}

/** The blobs of the kept generation of secrets.json, or null when there is none that reads. */
export async function readSecretsGeneration(path: string): Promise<{ blobs: Record<string, string>; savedAt: Date } | null> {
  const generation = await readGeneration(path);
  if (!generation) return null;
  try {
    const raw = JSON.parse(generation.text) as Record<string, unknown>;
    const validation = validate(raw);
    return validation.ok ? { blobs: validation.data.blobs, savedAt: generation.savedAt } : null;
  } catch {
    return null;
  }
}

/** secrets.json: `{ version: 1, blobs: { [secretId]: base64 } }`, written atomically. */
export async function openSecretsFile(
  path: string,
  options: { now: () => number; io?: FileIo; migrations?: readonly Migration[] },
): Promise<SecretsFile> {
  const loaded: LoadedDocument<SecretsDocument> = await loadDocument<SecretsDocument>({
    path,
    versionKey: 'version',
    currentVersion: SECRETS_FILE_VERSION,
    migrations: options.migrations ?? secretsMigrations,
    validate,
    empty: () => ({ version: SECRETS_FILE_VERSION, blobs: {} }),
    emptyMeaning: 'no stored secrets (connections that had one need it entered again)',
    now: options.now,
    io: options.io,
    beforeRename: (): Promise<void> => {
      // A key rotation: the kept generation holds every blob under the old key, which a leaked old
      // key would open (and restoring it would bring the old key back). It goes before the new
      // file lands; a crash in between loses only that backup, never the file.
      if (store.replacing) return rm(generationPathOf(path), { force: true });
      return keepGenerations ? keepGeneration(path).catch(() => undefined) : Promise.resolve();
    },
  });
  // As for connections.json: a damaged file's session does not push out the last good version.
  const keepGenerations: boolean = loaded.problem === null;
  const db = new Low<SecretsDocument>(loaded.file, loaded.data);
  const writer = new CoalescingWriter(async () => {
    store.stage();
    db.data = store.snapshot();
    try {
      await db.write();
    } catch (error) {
      store.abort();
      throw storageError(error, path);
    }
    store.landed();
  });
  const store = new FileSecretStore(loaded.data, writer, loaded.readOnly);
  if (loaded.dirty) await writer.request();
  const close = () => ((store.closed = true), writer.drain());
  return { secrets: store, problem: loaded.problem, writer, close };
}
