import type { AuditQuery, AuditType } from '@latchkey/contracts';

/** The filter form's values, as typed (applied only on "Apply filters"). */
export interface Filters {
  connectionId: string;
  requesterId: string;
  type: AuditType | '';
  from: string;
  to: string;
}
export const NO_FILTERS: Filters = { connectionId: '', requesterId: '', type: '', from: '', to: '' };

/** `datetime-local` values are local wall-clock time; the broker compares ISO instants. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function toQuery(filters: Filters): AuditQuery {
  const query: AuditQuery = {};
  if (filters.connectionId) query.connectionId = filters.connectionId;
  if (filters.requesterId.trim()) query.requesterId = filters.requesterId.trim();
  if (filters.type) query.types = [filters.type];
  const from = toIso(filters.from);
  const to = toIso(filters.to);
  if (from) query.from = from;
  if (to) query.to = to;
  return query;
}
