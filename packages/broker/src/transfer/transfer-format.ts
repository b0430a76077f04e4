import { ConfigValues, ConnectionName, LatchkeyError, ProviderId, SecretValues } from '@latchkey/contracts';
import { z } from 'zod';
import { looksLike, type EnvelopeKind } from '../keys/passphrase-envelope.js';
import type { ImportDraft } from './connection-uri.js';

/** A shared setup: connections without secrets, as plain JSON anyone may read. */
export const EXPORT_FORMAT = 'latchkey-connections';
export const EXPORT_VERSION = 1;

const ExportedConnection = z.strictObject({
  providerId: ProviderId,
  name: ConnectionName,
  config: ConfigValues,
  /** Secret fields the connection had (names only): the import asks for them. */
  secretFields: z.array(z.string().max(120)).max(50).default([]),
});
const BundledConnection = ExportedConnection.extend({ secrets: SecretValues.default({}) });

export const ExportFile = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: z.string(),
  connections: z.array(ExportedConnection).max(1000),
});
export const BundleContents = z.strictObject({
  exportedAt: z.string(),
  connections: z.array(BundledConnection).max(1000),
});

/** Connections with their secrets, sealed under the person's passphrase (passphrase-envelope.ts). */
export const BUNDLE: EnvelopeKind = {
  format: 'latchkey-connections-bundle',
  version: 1,
  payloadField: 'contents',
  payloadBytes: null,
  maxChars: 512 * 1024,
  checkText: 'latchkey connections bundle passphrase check',
  noun: 'connections bundle',
  note: 'Latchkey connections with their secrets, encrypted with your passphrase. Keep this file and the passphrase apart.',
};

export type SourceKind = 'export' | 'bundle' | 'env' | 'uri';

/** What a text is, from its shape: a JSON export or bundle, a single URI, or `.env` lines. */
export function sniff(text: string): { kind: SourceKind; json?: unknown } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw new LatchkeyError('VALIDATION', 'This file looks like JSON but cannot be read as JSON. Nothing was imported.');
    }
    if (looksLike(BUNDLE, json)) return { kind: 'bundle', json };
    if (json !== null && typeof json === 'object' && (json as { format?: unknown }).format === EXPORT_FORMAT) return { kind: 'export', json };
    throw new LatchkeyError('VALIDATION', 'This JSON file is not a Latchkey export. Nothing was imported.');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(trimmed)) return { kind: 'uri' };
  return { kind: 'env' };
}

export function draftsFromExport(json: unknown): ImportDraft[] {
  const parsed = ExportFile.safeParse(json);
  if (!parsed.success) throw new LatchkeyError('VALIDATION', `This Latchkey export is damaged (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}). Nothing was imported.`);
  return parsed.data.connections.map((c) => ({ providerId: c.providerId, name: c.name, config: c.config, secrets: {} }));
}

export function draftsFromBundle(plain: Buffer): ImportDraft[] {
  let json: unknown;
  try {
    json = JSON.parse(plain.toString('utf8'));
  } catch {
    throw new LatchkeyError('INVALID_BUNDLE', 'This connections bundle opened but holds no readable contents. Nothing was changed.');
  }
  const parsed = BundleContents.safeParse(json);
  if (!parsed.success) throw new LatchkeyError('INVALID_BUNDLE', 'This connections bundle opened but its contents are not ones Latchkey makes. Nothing was changed.');
  return parsed.data.connections.map((c) => ({ providerId: c.providerId, name: c.name, config: c.config, secrets: c.secrets }));
}
