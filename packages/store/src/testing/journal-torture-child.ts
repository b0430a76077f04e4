/**
 * Run by journal-torture.test.ts: the real store under a tiny compaction threshold (so appends,
 * compactions and journal cuts follow each other all the time), killed by itself with SIGKILL at
 * the `hit`-th time it reaches `point` — inside an append, a compaction or a truncation, exactly.
 *
 * Three workers, each owning a pair of connections and a secret. Step v of a worker: the secret
 * is put at version v, then one commit puts both connections at version v (or deletes both, on
 * every fourth step), then `ack <worker> <v>` is printed. The parent checks what survived.
 */
import type { promises as fsp } from 'node:fs';
import type { FileIo } from '../atomic-file.js';
import { realIo } from '../atomic-file.js';
import { openFileStore } from '../index.js';
import { connection } from '../test-helpers-data.js';

const [dir, point, hitText] = process.argv.slice(2) as [string, string, string];
const hitAt = Number(hitText);
let hits = 0;
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};
const reached = (at: string): boolean => at === point && ++hits === hitAt;

const names = new WeakMap<object, string>();
const kind = (name: string) => (name.endsWith('.journal') ? 'journal' : name.includes('.journal.') ? 'journal-rewrite' : name.includes('.json') ? 'snapshot' : 'other');

const io: FileIo = {
  async open(path, flags, mode) {
    const handle = await realIo.open(path, flags, mode);
    names.set(handle, path.split('/').at(-1)!);
    return handle;
  },
  async write(handle: fsp.FileHandle, bytes, offset, length, position) {
    const what = kind(names.get(handle) ?? '');
    if (reached(`${what}-write-half`)) {
      // Half the bytes reach the file, then the process dies: a torn record or a torn temp file.
      await handle.write(bytes, offset, Math.max(1, Math.floor(length / 2)), position);
      die();
    }
    return realIo.write(handle, bytes, offset, length, position);
  },
  async sync(handle) {
    const what = kind(names.get(handle) ?? '');
    if (reached(`${what}-before-sync`)) die();
    await realIo.sync(handle);
    if (reached(`${what}-after-sync`)) die();
  },
  async rename(from, to) {
    // By the temp file's name: a journal cut renames `.connections.journal.….tmp` over the journal.
    const what = kind(from.split('/').at(-1)!);
    if (reached(`${what}-before-rename`)) die();
    await realIo.rename(from, to);
    // For a snapshot: durable, and the journal not cut yet (the window the seq numbers cover).
    if (reached(`${what}-after-rename`)) die();
  },
};

const store = await openFileStore(dir, { io, compaction: { maxBytes: 1 << 30, maxRecords: 6 } });
process.stdout.write('ready\n');

const versionOf = (name: string | undefined) => Number(/v(\d+)$/.exec(name ?? '')?.[1] ?? 0);

await Promise.all(
  [0, 1, 2].map(async (w) => {
    const a = `w${w}-a`;
    const b = `w${w}-b`;
    // Continue from what survived: the highest version on disk for this worker.
    const secret = store.secrets.get(`w${w}-s`);
    let v = Math.max(versionOf(store.connections.get(a)?.name), secret ? Buffer.from(secret).readUInt32BE(0) : 0);
    for (;;) {
      v++;
      const blob = Buffer.alloc(4);
      blob.writeUInt32BE(v);
      await store.secrets.put(`w${w}-s`, new Uint8Array(blob));
      if (v % 4 === 0) await store.connections.commit({ delete: [a, b], audit: [] });
      else await store.connections.commit({ put: [connection(w, { id: a, name: `${a} v${v}` }), connection(w, { id: b, name: `${b} v${v}` })], audit: [] });
      process.stdout.write(`ack ${w} ${v}\n`);
    }
  }),
);
