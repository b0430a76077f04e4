import type { ConnectionOverride, ConnectionUser } from '@latchkey/contracts';
import { formatDateTime, requesterLabel } from '../ui/format';

const count = new Intl.NumberFormat('en');
const VIA_LABELS: Record<ConnectionUser['via'][number], string> = { grant: 'grant', executor: 'executor', template: 'template', ref: 'operations' };

/** The detail pane's "Used by": who used the connection, how, how often and when last. */
export function ConnectionUsage({ users, override }: { users: readonly ConnectionUser[]; override: ConnectionOverride | undefined }) {
  return (
    <div className="connection-usage">
      {override && <OverrideNotice override={override} />}
      <h3 className="connection-usage-title">{users.length ? `Used by ${count.format(users.length)}` : 'Not used yet'}</h3>
      {users.length > 0 && (
        <ul className="connection-usage-list" aria-label="Used by">
          {users.map((u) => (
            <li key={`${u.requester.kind}:${u.requester.id}`}>
              <span className="connection-usage-who">{requesterLabel(u.requester)}</span>
              <span className="muted">
                {' '}
                · {count.format(u.count)} {u.count === 1 ? 'use' : 'uses'} ({u.via.map((v) => VIA_LABELS[v]).join(', ')}) · last {formatDateTime(u.lastUsedAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** An active LATCHKEY_CONN_<ID>: programs get these fields from the environment, not from here. */
export function OverrideNotice({ override }: { override: ConnectionOverride }) {
  return (
    <p className="override-notice" role="note">
      <strong>{override.variable}</strong> is set: programs use its {override.fields.join(', ')} instead of what is saved here.
    </p>
  );
}

/** The words of the delete confirmation when the connection is in use: names its users first. */
export function inUseWarning(users: readonly ConnectionUser[] | undefined): string | null {
  if (!users?.length) return null;
  const names = users.slice(0, 5).map((u) => requesterLabel(u.requester));
  const more = users.length > 5 ? ` and ${count.format(users.length - 5)} more` : '';
  return `It is in use by ${names.join(', ')}${more}; they will stop working.`;
}
