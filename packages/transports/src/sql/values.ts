import type { Json } from '@latchkey/contracts';

/**
 * A driver value as JSON: Date → ISO string, bigint → string (no precision lost), bytes →
 * base64, NaN/Infinity → string, nested objects (PostgreSQL json, arrays) converted deeply.
 */
export function toJson(value: unknown, depth = 0): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  if (depth > 64) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1));
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJson(v, depth + 1);
  return out;
}

/** A bound parameter as a driver takes it: objects and arrays go as JSON text. */
export function toParam(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export const MAX_RESULT_BYTES = 5 * 1024 * 1024;

/** Collects rows up to a row and byte cap; `add` returns false once the result is full. */
export class RowCollector {
  readonly rows: Json[][] = [];
  truncated = false;
  private bytes = 0;
  constructor(
    private readonly maxRows: number,
    private readonly maxBytes = MAX_RESULT_BYTES,
  ) {}

  add(raw: readonly unknown[]): boolean {
    if (this.rows.length >= this.maxRows) {
      this.truncated = true;
      return false;
    }
    const row = raw.map((v) => toJson(v));
    const size = JSON.stringify(row).length;
    if (this.bytes + size > this.maxBytes) {
      this.truncated = true;
      return false;
    }
    this.bytes += size;
    this.rows.push(row);
    return true;
  }

  get full(): boolean {
    return this.truncated || this.rows.length >= this.maxRows;
  }
}
