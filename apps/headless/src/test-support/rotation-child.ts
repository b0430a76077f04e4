/**
 * Run by key-rotation-kill.exploit.test.ts and killed with SIGKILL at a random moment: the real
 * store, broker and keychain vault creating connections and rotating the master key in a loop.
 * Prints `ack create <id> <token>` once a connection is durable, `ack rotate` once a rotation
 * has returned. Prints no key.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createBroker } from '@latchkey/broker';
import { createFetchTransports, testHttpProvider } from '@latchkey/broker/testing';
import { keychainVault, SwappableCipher } from '@latchkey/node-cipher';
import { openFileStore } from '@latchkey/store';
import { fileKeySlots, startKey } from './rotation-keys.js';

const [dir, startText] = process.argv.slice(2) as [string, string];
const store = await openFileStore(join(dir, 'data'));
const slots = fileKeySlots(dir);
const key = await startKey(slots, store.secrets, () => randomBytes(32));
const cipher = new SwappableCipher('os-keychain', key);
// The person confirms the rotation where the page cannot (the approver); here, always yes.
const broker = createBroker({ cipher, keys: keychainVault(cipher, slots, false), ...store, storeProblems: () => store.problems(), transports: createFetchTransports(), host: 'headless', commandApprover: { approve: async () => true } });
broker.providers.register(testHttpProvider, '@latchkey/ext-http');
await broker.ready;
const who = { requester: { kind: 'app' as const, id: 'window:main', displayName: 'Latchkey' } };
process.stdout.write('ready\n');
for (let i = Number(startText); ; i++) {
  const token = `t-${i}`;
  const created = await broker.app['connections:create']({ providerId: 'http', name: `c-${i}`, scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'bearer' }, secrets: { token } }, who);
  process.stdout.write(`ack create ${created.id} ${token}\n`);
  // A save racing the rotation: it lands before it, or is refused; never under the old key after it.
  const racing = Promise.resolve(broker.app['connections:create']({ providerId: 'http', name: `r-${i}`, scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'bearer' }, secrets: { token: `r-${i}` } }, who)).then(
    (c) => process.stdout.write(`ack create ${c.id} r-${i}\n`),
    () => undefined,
  );
  await broker.app['keys:rotate']({}, who);
  await racing;
  process.stdout.write('ack rotate\n');
}
