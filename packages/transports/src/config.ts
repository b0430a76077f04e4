import type { Json } from '@latchkey/contracts';
import { TransportError } from '@latchkey/broker';

/** Typed reads of a connection's config; the broker has validated it against the manifest already. */
export function str(config: Record<string, Json>, name: string, fallback = ''): string {
  const v = config[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fallback;
}

export function num(config: Record<string, Json>, name: string, fallback: number): number {
  const v = config[name];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fallback;
}

export function bool(config: Record<string, Json>, name: string, fallback = false): boolean {
  const v = config[name];
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

/** A json field: the form may hand it over parsed or as text. */
export function json(config: Record<string, Json>, name: string): Json | undefined {
  const v = config[name];
  if (typeof v !== 'string') return v ?? undefined;
  if (v.trim() === '') return undefined;
  try {
    return JSON.parse(v) as Json;
  } catch {
    throw new TransportError('invalid_config', `The field "${name}" is not valid JSON`);
  }
}

/** A JSON object of string values (headers, environment variables), from config or a secret. */
export function stringMap(value: Json | undefined, label: string): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  let parsed: Json = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as Json;
    } catch {
      throw new TransportError('invalid_config', `${label} must be a JSON object`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TransportError('invalid_config', `${label} must be a JSON object`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
