import type { UsageRecord, UsageStore } from '@latchkey/broker';
import { Requester, UsageVia } from '@latchkey/contracts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic, type FileIo } from './atomic-file.js';

const UsageFileSchema = z.object({
  version: z.literal(1),
  usage: z.array(
    z.object({ connectionId: z.string().max(64), requester: Requester, via: z.array(UsageVia), count: z.number().int().nonnegative(), lastUsedAt: z.iso.datetime() }),
  ),
});

/**
 * usage.json: "Used by" counts, apart from connections.json so a busy connection never rewrites
 * the document that holds the person's settings. The broker saves it at most every few seconds
 * (usage/usage-tracker.ts); a crash loses at most those seconds of counts. A file that does not
 * read is counts only, not anything the person entered: the store starts with none and the next
 * save replaces it.
 */
export function openUsageFile(path: string, io: FileIo): UsageStore & { close(): Promise<void> } {
  let records: UsageRecord[] = [];
  try {
    const parsed = UsageFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) records = parsed.data.usage;
  } catch {
    // absent or unreadable: no counts yet
  }
  let closed = false;
  let writing: Promise<void> = Promise.resolve();
  return {
    load: () => records,
    save(next) {
      if (closed) return Promise.resolve();
      records = [...next];
      const text = JSON.stringify({ version: 1, usage: records });
      writing = writing.then(() => writeFileAtomic(path, text, io)).catch(() => undefined);
      return writing;
    },
    async close() {
      await writing;
      closed = true;
    },
  };
}
