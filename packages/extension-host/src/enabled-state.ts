import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
// The store's writer (temp file, fsync, rename, folder fsync): one atomic writer for every data file.
import { writeFileAtomic } from '@latchkey/store/atomic-file';
import { z } from 'zod';

const EnabledFile = z.strictObject({ version: z.literal(1), disabled: z.array(z.string().max(214)).max(10_000) });

/** Which extensions the person disabled, in `<dataDir>/extensions.json`. Everything else is enabled. */
export class EnabledState {
  private readonly path: string;
  private disabled = new Set<string>();
  private writing: Promise<void> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'extensions.json');
  }

  /** Loads the file; a corrupt one is moved aside (never overwritten) and reported. */
  async load(): Promise<string | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let parsed: ReturnType<typeof EnabledFile.safeParse>;
    try {
      parsed = EnabledFile.safeParse(JSON.parse(text));
    } catch {
      parsed = EnabledFile.safeParse(undefined);
    }
    if (parsed.success) {
      this.disabled = new Set(parsed.data.disabled);
      return null;
    }
    const aside = `${this.path}.corrupt-${Date.now()}`;
    await rename(this.path, aside);
    return `extensions.json was unreadable and was moved to ${aside}; every extension is enabled again`;
  }

  isEnabled(id: string): boolean {
    return !this.disabled.has(id);
  }

  /** Updates memory at once; the returned promise settles when the file is durable. */
  set(id: string, enabled: boolean): Promise<void> {
    if (enabled) this.disabled.delete(id);
    else this.disabled.add(id);
    const body = `${JSON.stringify({ version: 1, disabled: [...this.disabled].sort() }, null, 2)}\n`;
    this.writing = this.writing.catch(() => undefined).then(() => this.write(body));
    return this.writing;
  }

  private write(body: string): Promise<void> {
    return writeFileAtomic(this.path, body);
  }
}
