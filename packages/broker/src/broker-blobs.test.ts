/**
 * The broker keeps blobs of its own in the secret store (the audit key, the approved command
 * lines). No connection points at them, so the start-up sweep of orphaned blobs must know them:
 * sweeping them would silently unkey the audit chain and forget every approval.
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_KEY_ID } from './audit/audit-key.js';
import { APPROVED_COMMANDS_ID } from './commands/command-consent.js';
import { createBroker } from './create-broker.js';
import { createFetchTransports, createMemoryPorts, createTestCipher } from './testing/index.js';

describe('the start-up sweep of orphaned blobs', () => {
  it("drops a blob no record points at, and keeps the broker's own", async () => {
    const ports = createMemoryPorts();
    const cipher = createTestCipher();
    await ports.secrets.put(APPROVED_COMMANDS_ID, cipher.encrypt('[]'));
    await ports.secrets.put('left-by-a-crash', cipher.encrypt('old token'));
    const first = createBroker({ cipher, ...ports, transports: createFetchTransports(), host: 'headless' });
    await first.ready;
    await first.internals.audit.flush();
    await first.close();
    const broker = createBroker({ cipher, ...ports, transports: createFetchTransports(), host: 'headless' });
    await broker.ready;
    const ids = [...ports.secrets.ids()];
    expect(ids).not.toContain('left-by-a-crash');
    expect(ids).toContain(APPROVED_COMMANDS_ID);
    expect(ids).toContain(AUDIT_KEY_ID);
    await broker.close();
  });
});
