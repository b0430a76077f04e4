import type { SecretStore } from '@latchkey/broker';
import { LatchkeyError, type StoreProblem } from '@latchkey/contracts';
import { rm } from 'node:fs/promises';
import { realIo, writeFileAtomic, type FileIo } from './atomic-file.js';
import { JournalFile, journalPathOf } from './journal-file.js';
import { loadJournal, sizeOf } from './journal-load.js';
import { JournaledDocument, type CompactionPolicy, type DocumentModel } from './journaled-document.js';
import { describeIssue, loadDocument, type LoadedDocument, type Validation } from './document.js';
import type { Migration } from './migrations.js';
import { STORE_CLOSED } from './repository.js';
import { generationPathOf, keepGeneration, readGeneration } from './generations.js';
import { readOnlyError, storageError } from './storage-error.js';

export const SECRETS_FILE_VERSION = 1;
export const secretsMigrations: readonly Migration[] = [];

export interface SecretsDocument {
  version: number;
  /** The last journal record this snapshot holds (see journal-format.ts); 0 before any. */
  journalSeq?: number;
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
  const journalSeq = Number.isSafeInteger(raw.journalSeq) && (raw.journalSeq as number) >= 0 ? (raw.journalSeq as number) : 0;
  const data: SecretsDocument = keyCheck === undefined ? { version: SECRETS_FILE_VERSION, journalSeq, blobs } : { version: SECRETS_FILE_VERSION, journalSeq, keyCheck, blobs };
  if (!dropped) return { ok: true, data, dropped: null };
  return { ok: true, data, dropped: { count: dropped, total: entries.length, noun: 'secrets', issue: issue ?? 'invalid blob' } };
}

/** One change to secrets.json as a journal record: a blob put, a blob deleted, or the key check set. */
export type SecretsBody = { p: [id: string, blob: string] } | { d: string } | { k: string };

function checkBody(raw: unknown): { ok: true; body: SecretsBody } | { ok: false; issue: string } {
  const body = raw as Record<string, unknown> | null;
  if (body && Array.isArray(body.p) && body.p.length === 2 && isSecretId(body.p[0]) && typeof body.p[1] === 'string' && body.p[1].length > 0) {
    return { ok: true, body: { p: [body.p[0], body.p[1]] } };
  }
  if (body && isSecretId(body.d)) return { ok: true, body: { d: body.d } };
  if (body && typeof body.k === 'string' && body.k.length > 0) return { ok: true, body: { k: body.k } };
  return { ok: false, issue: 'it is not a secret change' };
}

/**
 * Cipher blobs in memory, written through the journal. As in FileRepository, a change reaches
 * memory only once the append carrying it is durable; a failed append changes nothing and
 * rejects its callers.
 */
class FileSecretStore implements SecretStore {
  #blobs: Map<string, string>;
  #keyCheck: string | undefined;
  closed = false;
  doc!: JournaledDocument<SecretsBody>;

  constructor(
    initial: SecretsDocument,
    private readonly readOnlyReason: () => string | null,
  ) {
    this.#blobs = new Map(Object.entries(initial.blobs));
    this.#keyCheck = initial.keyCheck;
  }

  private get readOnly(): string | null {
    return this.closed ? STORE_CLOSED : this.readOnlyReason();
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
    return this.doc.submit({ p: [id, toBase64(blob)] });
  }

  delete(id: string): Promise<void> {
    if (this.readOnly) return Promise.reject(readOnlyError(this.readOnly));
    const busy = this.#refuseWhileReplacing();
    if (busy) return busy;
    if (!this.#exists(id)) return Promise.resolve();
    return this.doc.submit({ d: id });
  }

  /** Whether the id exists once everything already asked for has landed. */
  #exists(id: string): boolean {
    let found: boolean | null = null;
    for (const body of this.doc.unlanded()) {
      if ('p' in body && body.p[0] === id) found = true;
      else if ('d' in body && body.d === id) found = false;
    }
    return found ?? this.#blobs.has(id);
  }

  keyCheck(): Uint8Array | undefined {
    return this.#keyCheck === undefined ? undefined : new Uint8Array(Buffer.from(this.#keyCheck, 'base64'));
  }

  setKeyCheck(blob: Uint8Array): Promise<void> {
    if (this.readOnly) return Promise.reject(readOnlyError(this.readOnly));
    const busy = this.#refuseWhileReplacing();
    if (busy) return busy;
    if (!(blob instanceof Uint8Array) || blob.length === 0) return Promise.reject(new LatchkeyError('VALIDATION', 'The key check is not a cipher blob.'));
    return this.doc.submit({ k: toBase64(blob) });
  }

  /** Set while a key rotation's replacement is on its way: other writes are refused, not mixed in. */
  #replacing = false;
  /** The replacement's snapshot is the write now being made (its generation must not be kept). */
  replacingNow = false;

  async replaceAll(build: () => { blobs: Map<string, Uint8Array>; keyCheck: Uint8Array }, landed: () => void): Promise<void> {
    if (this.readOnly) throw readOnlyError(this.readOnly);
    if (this.#replacing) throw new LatchkeyError('CONFLICT', 'The master key is already being changed.');
    this.#replacing = true;
    try {
      // One atomic change: a whole new snapshot under the next seq, after every write already
      // asked for has landed (under the old key), so `build` sees all of them. The journal, which
      // holds old-key blobs, is emptied once the snapshot is durable.
      await this.doc.replace((seq) => {
        const next = build();
        if (!(next.keyCheck instanceof Uint8Array) || next.keyCheck.length === 0) throw new LatchkeyError('VALIDATION', 'The key check is not a cipher blob.');
        const blobs = new Map<string, string>();
        for (const [id, blob] of next.blobs) {
          if (!isSecretId(id) || !(blob instanceof Uint8Array) || blob.length === 0) throw new LatchkeyError('VALIDATION', 'A re-encrypted secret is not a cipher blob.');
          blobs.set(id, toBase64(blob));
        }
        const keyCheck = toBase64(next.keyCheck);
        this.replacingNow = true;
        return {
          text: snapshotText(seq, blobs, keyCheck),
          land: () => {
            this.#blobs = blobs;
            this.#keyCheck = keyCheck;
            landed();
          },
        };
      });
    } finally {
      this.replacingNow = false;
      this.#replacing = false;
    }
  }

  #refuseWhileReplacing(): Promise<never> | null {
    return this.#replacing ? Promise.reject(new LatchkeyError('CONFLICT', 'This secret was not saved: the master key is being changed. Try again in a moment.')) : null;
  }

  get size(): number {
    return this.#blobs.size;
  }

  /** A durable change, into memory (also used to replay the journal at load). */
  apply(body: SecretsBody): void {
    if ('p' in body) this.#blobs.set(body.p[0], body.p[1]);
    else if ('d' in body) this.#blobs.delete(body.d);
    else this.#keyCheck = body.k;
  }

  snapshot(seq: number): string {
    return snapshotText(seq, this.#blobs, this.#keyCheck);
  }
}

function snapshotText(seq: number, blobs: Map<string, string>, keyCheck: string | undefined): string {
  const document: SecretsDocument & { journalSeq: number } =
    keyCheck === undefined
      ? { version: SECRETS_FILE_VERSION, journalSeq: seq, blobs: Object.fromEntries(blobs) }
      : { version: SECRETS_FILE_VERSION, journalSeq: seq, keyCheck, blobs: Object.fromEntries(blobs) };
  return JSON.stringify(document);
}

const toBase64 = (blob: Uint8Array): string => Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64');

export interface SecretsFile {
  secrets: SecretStore & { readonly size: number };
  problem: StoreProblem | null;
  journalProblem: StoreProblem | null;
  document: JournaledDocument<SecretsBody>;
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

/** secrets.json (snapshot) + secrets.journal: `{ version: 1, journalSeq, keyCheck?, blobs: { [secretId]: base64 } }`. */
export async function openSecretsFile(
  path: string,
  options: { now: () => number; io?: FileIo; migrations?: readonly Migration[]; compaction?: CompactionPolicy },
): Promise<SecretsFile> {
  const io = options.io ?? realIo;
  const loaded: LoadedDocument<SecretsDocument> = await loadDocument<SecretsDocument>({
    path,
    versionKey: 'version',
    currentVersion: SECRETS_FILE_VERSION,
    migrations: options.migrations ?? secretsMigrations,
    validate,
    empty: () => ({ version: SECRETS_FILE_VERSION, blobs: {} }),
    emptyMeaning: 'no stored secrets (connections that had one need it entered again)',
    now: options.now,
    io,
  });
  // As for connections.json: a damaged file's session does not push out the last good version.
  const keepGenerations: boolean = loaded.problem === null;
  const journal = loaded.readOnly
    ? { file: new JournalFile(journalPathOf(path), io, { size: 0, records: [], exists: false }), bodies: [], lastSeq: 0, nonEmpty: false, goodEnd: null, problem: null }
    : await loadJournal(path, io, loaded.data.journalSeq ?? 0, checkBody, options.now());
  const store = new FileSecretStore(loaded.data, () => loaded.readOnly ?? (journal.file.broken ? `Latchkey cannot save: ${journal.file.broken}.` : null));
  const model: DocumentModel<SecretsBody> = {
    apply: (body) => store.apply(body),
    snapshot: (seq) => store.snapshot(seq),
    writeSnapshot: (text) =>
      writeFileAtomic(path, text, io, (): Promise<void> => {
        // A key rotation: the kept generation holds every blob under the old key, which a leaked old
        // key would open (and restoring it would bring the old key back). It goes before the new
        // file lands; a crash in between loses only that backup, never the file.
        if (store.replacingNow) return rm(generationPathOf(path), { force: true });
        return keepGenerations ? keepGeneration(path).catch(() => undefined) : Promise.resolve();
      }),
  };
  for (const body of journal.bodies) model.apply(body);
  store.doc = new JournaledDocument(path, journal.file, model, journal.lastSeq, options.compaction, options.now, sizeOf(path));
  if (!loaded.readOnly && (journal.nonEmpty || loaded.dirty)) {
    try {
      await store.doc.compactNow();
    } catch (error) {
      if (journal.goodEnd !== null) await journal.file.cutTo(journal.goodEnd);
      if (loaded.dirty) throw storageError(error, path);
    }
  }
  const close = async () => {
    store.closed = true;
    await store.doc.drain();
    if (!loaded.readOnly && store.doc.journalBytes > 0) {
      await store.doc.compactNow().catch((error: unknown) => console.error('store: secrets.json could not be compacted at close; its journal keeps every change', error));
    }
  };
  return { secrets: store, problem: loaded.problem, journalProblem: journal.problem, document: store.doc, close };
}
