import { readFile } from 'node:fs/promises';
import { TransportError } from '@latchkey/broker';
import type { Json } from '@latchkey/contracts';
import { bool, str } from '../config.js';

/**
 * TLS options for a database driver from the `ssl` and `caFile` fields. Certificates are always
 * verified: a CA file adds a private CA, it never switches verification off.
 */
export async function databaseTls(config: Record<string, Json>): Promise<{ rejectUnauthorized: true; ca?: string } | undefined> {
  if (!bool(config, 'ssl')) return undefined;
  const caFile = str(config, 'caFile');
  if (caFile === '') return { rejectUnauthorized: true };
  try {
    return { rejectUnauthorized: true, ca: await readFile(caFile, 'utf8') };
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new TransportError('invalid_config', code === 'ENOENT' ? `CA file not found: ${caFile}` : `Cannot read the CA file ${caFile} (${code ?? 'error'})`);
  }
}
