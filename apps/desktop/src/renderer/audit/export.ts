import type { AuditEvent } from '@latchkey/contracts';

export const CSV_COLUMNS = [
  'seq',
  'at',
  'type',
  'outcome',
  'requesterKind',
  'requesterId',
  'requesterName',
  'connectionId',
  'connectionName',
  'scopes',
  'grantId',
  'detail',
  'prevHash',
  'hash',
] as const;

/**
 * Quotes a CSV cell. A cell a spreadsheet would read as a formula (=, +, -, @, tab, CR) gets a
 * leading apostrophe: `detail` and requester names come from extensions we do not trust.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditToCsv(events: readonly AuditEvent[], connectionNames: ReadonlyMap<string, string> = new Map()): string {
  const rows = events.map((e) =>
    [
      e.seq,
      e.at,
      e.type,
      e.outcome,
      e.requester?.kind,
      e.requester?.id,
      e.requester?.displayName,
      e.connectionId,
      e.connectionId ? connectionNames.get(e.connectionId) : undefined,
      e.scopes?.join(' '),
      e.grantId,
      e.detail,
      e.prevHash,
      e.hash,
    ]
      .map(csvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

/** The events exactly as the broker returned them, hashes included, so the file can be re-verified. */
export function auditToJson(events: readonly AuditEvent[]): string {
  return JSON.stringify({ format: 'latchkey-audit', version: 1, events }, null, 2);
}

/** Saves text as a file from the page itself: nothing leaves through the broker. */
export function downloadText(text: string, fileName: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
