import { createHash } from 'node:crypto';
import type { ResolvedConnection } from '@latchkey/broker';
import { canonicalJson } from '@latchkey/contracts';

interface Entry<T> {
  fingerprint: string;
  /** Held as a promise from the first call on, so concurrent first calls share one client. */
  client: Promise<T>;
  close: (client: T) => Promise<void>;
}

async function closeEntry<T>(entry: Entry<T>): Promise<void> {
  const client = await entry.client.catch(() => undefined);
  if (client !== undefined) await entry.close(client).catch(() => undefined);
}

/**
 * Long-lived clients (database pools, MCP sessions) by connection id. The fingerprint covers config
 * and secrets, so a connection edited without a `release` still never reuses a client built from
 * its old credentials. The fingerprint is a hash held in memory only.
 */
export class ClientRegistry {
  private readonly entries = new Map<string, Entry<unknown>>();

  async get<T>(kind: string, connection: ResolvedConnection, create: () => T | Promise<T>, close: (client: T) => Promise<void>): Promise<T> {
    const key = `${kind}:${connection.id}`;
    const fingerprint = fingerprintOf(connection);
    const existing = this.entries.get(key);
    if (existing && existing.fingerprint === fingerprint) return existing.client as Promise<T>;
    if (existing) {
      this.entries.delete(key);
      void closeEntry(existing);
    }
    const entry: Entry<T> = { fingerprint, client: Promise.resolve().then(create), close };
    this.entries.set(key, entry as Entry<unknown>);
    // A client that failed to start is forgotten, so the next call tries again.
    entry.client.catch(() => {
      if (this.entries.get(key) === (entry as Entry<unknown>)) this.entries.delete(key);
    });
    return entry.client;
  }

  /** Forgets a client that broke, without waiting for it to close. */
  drop(kind: string, connectionId: string): void {
    const key = `${kind}:${connectionId}`;
    const existing = this.entries.get(key);
    if (!existing) return;
    this.entries.delete(key);
    void closeEntry(existing);
  }

  async release(connectionId: string): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, entry] of this.entries) {
      if (key.slice(key.indexOf(':') + 1) !== connectionId) continue;
      this.entries.delete(key);
      closing.push(closeEntry(entry));
    }
    await Promise.all(closing);
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => closeEntry(e)));
  }

  get size(): number {
    return this.entries.size;
  }
}

function fingerprintOf(c: ResolvedConnection): string {
  return createHash('sha256').update(canonicalJson([c.config, c.secrets])).digest('base64url');
}
