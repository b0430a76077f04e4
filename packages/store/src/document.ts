import type { StoreProblem } from '@latchkey/contracts';
import { AtomicJsonFile, type FileIo } from './atomic-file.js';
import { applyMigrations, type Migration } from './migrations.js';
import { moveAside, nameOf, preserveCopy } from './quarantine.js';

/** What validation made of a file: all of it, some records of it, or nothing usable. */
export type Validation<D> =
  | { ok: true; data: D; dropped: null }
  | { ok: true; data: D; dropped: { count: number; total: number; noun: string; issue: string } }
  | { ok: false; issue: string };

export interface DocumentSpec<D> {
  path: string;
  versionKey: string;
  currentVersion: number;
  migrations: readonly Migration[];
  validate(raw: Record<string, unknown>): Validation<D>;
  empty(): D;
  /** What starting empty means to the person, e.g. "no connections and no grants". */
  emptyMeaning: string;
  now(): number;
  io?: FileIo;
  /** How the document is written; JSON.stringify by default. */
  serialize?: (data: D) => string;
  /** Runs before each new version replaces the file (see generations.ts). */
  beforeRename?: () => Promise<void>;
}

export interface LoadedDocument<D> {
  file: AtomicJsonFile<D>;
  data: D;
  problem: StoreProblem | null;
  /** Set when the file must not be written (a newer Latchkey made it); says why. */
  readOnly: string | null;
  /** The loaded data differs from the file (migrated or salvaged) and should be saved now. */
  dirty: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

/**
 * Reads a versioned JSON file: parses, migrates and validates it. Whatever goes wrong, the app
 * gets something to run with and the person gets a sentence saying what happened; the bytes that
 * could not be used are kept beside the file, never overwritten and never deleted.
 */
export async function loadDocument<D>(spec: DocumentSpec<D>): Promise<LoadedDocument<D>> {
  const file = new AtomicJsonFile<D>(spec.path, spec.io, spec.serialize, spec.beforeRename);
  const name = nameOf(spec.path);
  const now = spec.now();
  const result = (data: D, extra: Partial<LoadedDocument<D>> = {}): LoadedDocument<D> => ({ file, data, problem: null, readOnly: null, dirty: false, ...extra });

  const quarantine = async (why: string): Promise<LoadedDocument<D>> => {
    const movedTo = await moveAside(spec.path, now);
    const message = `${name} could not be read (${why}) and was moved to ${nameOf(movedTo)}; Latchkey started with ${spec.emptyMeaning}.`;
    return result(spec.empty(), { problem: { file: spec.path, movedTo, at: iso(now), message } });
  };

  const text = await file.readText();
  if (text === null) return result(spec.empty());

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return quarantine(firstLine(error));
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return quarantine('it does not hold a JSON object');

  const migrated = applyMigrations(raw as Record<string, unknown>, spec.versionKey, spec.currentVersion, spec.migrations);
  if (migrated.kind === 'failed' && migrated.version < 0) return quarantine(migrated.reason);
  if (migrated.kind === 'newer' || migrated.kind === 'failed') {
    const why =
      migrated.kind === 'newer'
        ? `it was written by a newer Latchkey (format ${migrated.version}; this version knows up to ${spec.currentVersion})`
        : `it could not be upgraded from format ${migrated.version}: ${migrated.reason}`;
    // Left exactly where it is: moving it would hide it from the version that can read it.
    const message = `${name} was left untouched because ${why}. Latchkey started with ${spec.emptyMeaning}, and changes to them cannot be saved until Latchkey is updated.`;
    return result(spec.empty(), { problem: { file: spec.path, movedTo: null, at: iso(now), message }, readOnly: message });
  }

  const validation = spec.validate(migrated.data);
  if (!validation.ok) return quarantine(validation.issue);

  if (migrated.kind === 'migrated') {
    // The old file stays beside the new one until the person deletes it: an upgrade is undoable.
    await preserveCopy(spec.path, `v${migrated.from}`, now);
  }
  if (validation.dropped) {
    const { count, total, noun, issue } = validation.dropped;
    const copy = await preserveCopy(spec.path, 'corrupt', now);
    const message =
      `${count.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ${noun} in ${name} could not be read (${issue}). ` +
      `The file as it was is kept as ${nameOf(copy)}; Latchkey started with the other ${(total - count).toLocaleString('en-US')}.`;
    return result(validation.data, { problem: { file: spec.path, movedTo: copy, at: iso(now), message }, dirty: true });
  }
  return result(validation.data, { dirty: migrated.kind === 'migrated' });
}

/** "connections[3].name: Too small" from a zod issue list. */
export function describeIssue(path: ReadonlyArray<PropertyKey>, message: string): string {
  const where = path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');
  // Problems end up in an audit event's `detail`, which holds at most 1,000 characters.
  const text = where ? `${where}: ${message}` : message;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
