import { targetFields } from '@latchkey/contracts';
import type { FieldSpec, Json, ProviderManifest } from '@latchkey/contracts';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/hash.js';

type Manifest = Pick<ProviderManifest, 'id' | 'fields' | 'baseUrl'>;

/**
 * The digest of where a connection's secrets go: its provider and the values of its target
 * fields (host, port, URL, command, args, file). Stored with the secrets, in every grant and in
 * every SecretRef; a secret is used only while the connection's digest still equals it, as a
 * browser fills a password only on the origin it was saved for.
 */
export function targetFingerprint(manifest: Manifest, config: Record<string, Json | undefined>): string {
  const target: Record<string, Json> = {};
  for (const f of targetFields(manifest)) target[f.name] = config[f.name] ?? null;
  return createHash('sha256').update(canonicalJson({ provider: manifest.id, target })).digest('hex');
}

/** The target fields whose values differ, for a message that names them ("Host changed"). */
export function changedTargetFields(manifest: Manifest, before: Record<string, Json | undefined>, after: Record<string, Json | undefined>): FieldSpec[] {
  return targetFields(manifest).filter((f) => canonicalJson(before[f.name] ?? null) !== canonicalJson(after[f.name] ?? null));
}

/** "Host and Port", for messages. */
export function labelList(fields: readonly Pick<FieldSpec, 'label'>[], fallback = 'the target'): string {
  const labels = fields.map((f) => f.label);
  if (labels.length === 0) return fallback;
  return labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)!}`;
}
