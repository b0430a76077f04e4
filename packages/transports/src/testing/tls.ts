import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, run } from './processes.js';

export interface TestCertificate {
  key: string;
  cert: string;
}

export function opensslUnavailable(): string | null {
  return onPath('openssl') ? null : 'openssl not installed (Debian package "openssl")';
}

/** A fresh self-signed key and certificate for 127.0.0.1/localhost, so no test uses a published key. */
export function selfSignedCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-tls-'));
  try {
    run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CA file holding `certificate`, as a person would pick in the form; remove() deletes it. */
export function writeCaFile(certificate: TestCertificate): { caFile: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-ca-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certificate.cert);
  return { caFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
