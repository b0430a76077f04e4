import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedConnection } from '@latchkey/broker';
import { ExtensionPackageManifest, fieldDefaults, type Json, type ProviderManifest } from '@latchkey/contracts';

/** The built-in packs' folder: extensions/ at the repository root. */
export const EXTENSIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../extensions');

export const BUILT_IN_PACKS = ['databases', 'smtp', 'webhook', 'ai', 'mcp', 'oauth2'] as const;

export function readPack(pack: string): { name: string; latchkey: ExtensionPackageManifest } {
  const raw = JSON.parse(readFileSync(join(EXTENSIONS_DIR, pack, 'package.json'), 'utf8')) as { name: string; latchkey: unknown };
  return { name: raw.name, latchkey: ExtensionPackageManifest.parse(raw.latchkey) };
}

export function providerManifest(pack: string, providerId: string): ProviderManifest {
  const found = readPack(pack).latchkey.contributes.providers.find((p) => p.id === providerId);
  if (!found) throw new Error(`Pack ${pack} has no provider ${providerId}`);
  return found;
}

let counter = 0;

/** A connection as the broker would hand it to a transport: the pack's manifest, its defaults plus `config`, and `secrets`. */
export function resolvedConnection(pack: string, providerId: string, config: Record<string, Json>, secrets: Record<string, string> = {}, id?: string): ResolvedConnection {
  const manifest = providerManifest(pack, providerId);
  const defaults = Object.fromEntries(Object.entries(fieldDefaults(manifest.fields)).filter(([, v]) => v !== undefined)) as Record<string, Json>;
  return { id: id ?? `conn-${providerId}-${++counter}`, manifest, config: { ...defaults, ...config }, secrets };
}
