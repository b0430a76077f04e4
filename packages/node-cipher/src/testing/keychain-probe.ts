/**
 * Run by keychain.test.ts in a child process on a private D-Bus session: creates the cipher twice
 * against the OS keychain and prints what happened as one JSON line. Prints no key.
 */
import { createNodeCipher } from '../index.js';

const service = process.argv[2] ?? 'latchkey-test';
const first = await createNodeCipher({ env: {}, service, keychainTimeoutMs: 8000 });
const report: Record<string, unknown> = { firstBackend: first.backend, firstReason: first.unavailableReason() };
if (first.isAvailable()) {
  const blob = first.encrypt('keychain canary');
  // The second start must find the key the first one stored, not mint another.
  const second = await createNodeCipher({ env: {}, service, createIfMissing: false, keychainTimeoutMs: 8000 });
  report.secondBackend = second.backend;
  report.blob = Buffer.from(blob).toString('base64');
  report.roundTrip = second.isAvailable() ? second.decrypt(blob) : null;
}
process.stdout.write(`${JSON.stringify(report)}\n`);
