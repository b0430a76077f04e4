/**
 * Run by keychain-rollback.exploit.test.ts inside a private D-Bus session with an unlocked
 * gnome-keyring: the real headless host whose master key item disappears from the keychain while
 * secrets exist; a recovery kit restores it in the running host. Prints what the status said at
 * each step. Prints no key.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Broker, BrokerInternals } from '@latchkey/broker';
import { createHeadlessHost, type HeadlessHost } from '../host.js';

const [root] = process.argv.slice(2) as [string];
const dataDir = join(root, 'data');
const ctx = { requester: { kind: 'app' as const, id: 'window:main', displayName: 'Latchkey' } };
const passphrase = 'a passphrase of several words';

/** The person at the terminal types the one-time code a key action prints. */
async function start(): Promise<HeadlessHost> {
  const host: HeadlessHost = await createHeadlessHost({
    dataDir,
    env: {},
    bridge: false,
    requesterSocket: false,
    announceCommandCode: (line) => {
      const code = /type (\d{3}-\d{3})/.exec(line)?.[1];
      if (!code) return;
      setImmediate(() => {
        void (async () => {
          for (const prompt of await host.broker.app['commands:pending']({}, ctx)) await host.broker.app['commands:confirm']({ promptId: prompt.promptId, code }, ctx);
        })();
      });
    },
  });
  await (host.broker as Broker & { internals: BrokerInternals }).internals.audit.checkAtStartup();
  return host;
}
const status = async (host: HeadlessHost) => {
  const s = await host.broker.app['system:status']({}, ctx);
  return { cipher: s.cipher, audit: s.audit };
};

const report: Record<string, unknown> = {};
const first = await start();
const conn = await first.broker.app['connections:create']({ providerId: 'http', name: 'Billing', scope: 'user', config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' }, secrets: { token: 'tok-billing' } }, ctx);
const { kit } = await first.broker.app['keys:exportRecoveryKit']({ passphrase }, ctx);
report.first = await status(first);
await first.close();

// The keychain loses the master key's item (a reset keyring, an item deleted by mistake).
const cleared = spawnSync('secret-tool', ['clear', 'service', 'latchkey', 'username', 'master-key'], { encoding: 'utf8' });
if (cleared.status !== 0) throw new Error(`secret-tool clear failed: ${cleared.stderr}`);

const lost = await start();
report.lost = await status(lost);
await lost.broker.app['keys:restoreFromKit']({ kit, passphrase }, ctx);
report.restored = await status(lost);
const after = await lost.broker.app['connections:create']({ providerId: 'http', name: 'After', scope: 'user', config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' }, secrets: { token: 'tok-after' } }, ctx);
const events = (await lost.broker.app['audit:list']({ limit: 50 }, ctx)).events;
report.afterAlg = events.find((e) => e.connectionId === after.id)?.alg ?? null;
report.restoreAlg = events.find((e) => e.type === 'key.recovery' && e.outcome === 'ok')?.alg ?? null;
const { connections } = (lost.broker as Broker & { internals: BrokerInternals }).internals;
report.secret = (await connections.resolve(connections.require(conn.id))).secrets;
await lost.close();

const again = await start();
report.again = await status(again);
await again.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
