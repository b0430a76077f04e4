import type { AuditEvent } from '@latchkey/contracts';
import { formatDateTime, requesterLabel } from '../ui/format.js';
import { TYPE_LABELS } from './labels.js';

/** One page of events, newest first; connection ids read as names where the connection is known. */
export function AuditTable({ events, connectionNames }: { events: AuditEvent[]; connectionNames: Map<string, string> }) {
  return (
    <table className="data-table" aria-label="Audit events">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          <th scope="col">Outcome</th>
          <th scope="col">Requester</th>
          <th scope="col">Connection</th>
          <th scope="col">Scopes</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.seq} data-seq={e.seq} data-type={e.type}>
            <td>{e.seq}</td>
            <td>{formatDateTime(e.at)}</td>
            <td>{TYPE_LABELS[e.type]}</td>
            <td>{e.outcome}</td>
            <td>{e.requester ? requesterLabel(e.requester) : '—'}</td>
            <td>{e.connectionId ? (connectionNames.get(e.connectionId) ?? e.connectionId) : '—'}</td>
            <td>{e.scopes?.join(', ') ?? '—'}</td>
            <td>{e.detail ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
