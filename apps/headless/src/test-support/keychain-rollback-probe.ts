/**
 * Run by keychain-rollback.exploit.test.ts inside a private D-Bus session with an unlocked
 * gnome-keyring: the real headless host with its key (and so its audit anchor) in the OS keychain.
 * Copies the audit log with its head, writes more, puts the copy back, starts again, and prints
 * what the audit status said each time, plus what an anchor write costs. Prints no key.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Broker, BrokerInternals } from '@latchkey/broker';
import { keychainAnchorStore } from '@latchkey/node-cipher';
import { createHeadlessHost } from '../host.js';

const [root] = process.argv.slice(2) as [string];
const dataDir = join(root, 'data');
const copy = join(root, 'copy');
const ctx = { requester: { kind: 'app' as const, id: 'window:main', displayName: 'Latchkey' } };
const AUDIT = ['audit', 'audit.head.json'];

async function session(work: (broker: Broker) => Promise<void>) {
  const host = await createHeadlessHost({ dataDir, env: {}, bridge: false, requesterSocket: false });
  await (host.broker as Broker & { internals: BrokerInternals }).internals.audit.checkAtStartup();
  const status = await host.broker.app['system:status']({}, ctx);
  await work(host.broker);
  await host.close();
  return { cipher: status.cipher.backend, audit: status.audit };
}

async function busy(broker: Broker, n: number) {
  for (let i = 0; i < n; i++) {
    const c = await broker.app['connections:create']({ providerId: 'http', name: `C${i}`, scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'bearer' }, secrets: { token: `t${i}` } }, ctx);
    await broker.app['connections:delete']({ id: c.id }, ctx);
  }
}

const report: Record<string, unknown> = {};
report.first = await session((b) => busy(b, 2));
mkdirSync(copy);
for (const name of AUDIT) cpSync(join(dataDir, name), join(copy, name), { recursive: true });
report.second = await session((b) => busy(b, 5));
report.clean = await session(async () => undefined);
for (const name of AUDIT) {
  rmSync(join(dataDir, name), { recursive: true, force: true });
  cpSync(join(copy, name), join(dataDir, name), { recursive: true });
}
report.rolledBack = await session(async () => undefined);

// What one anchor write costs on this keychain (a D-Bus round trip to gnome-keyring).
const store = keychainAnchorStore('latchkey-bench', 10_000);
const runs = 40;
const started = performance.now();
for (let i = 0; i < runs; i++) await store.write('bench', JSON.stringify({ v: 1, seq: i, hash: 'x'.repeat(64), mac: 'y'.repeat(64) }));
report.anchorWriteMs = (performance.now() - started) / runs;
process.stdout.write(`${JSON.stringify(report)}\n`);
