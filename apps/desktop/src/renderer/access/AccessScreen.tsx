import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { grantState, isGrantActive, type Connection, type Grant } from '@latchkey/contracts';
import { useCallback, useEffect, useState } from 'react';
import { grantLifetimeLabel } from '../ui/allow-choices.js';
import { errorMessage } from '../ui/errors.js';
import { formatDateTime, requesterLabel } from '../ui/format.js';
import { useApi } from '../api.js';
import { DataScreen, FailureLine } from '../ui/DataScreen.js';

/**
 * Grants by who holds them, in the order their newest grant appears: an agent session (one issued
 * identity) or an extension reads as one group, so "what can this agent do" is one glance.
 */
function byRequester(grants: Grant[]): { key: string; grants: Grant[] }[] {
  const groups = new Map<string, Grant[]>();
  for (const g of grants) {
    const key = `${g.requester.kind}:${g.requester.id}`;
    groups.set(key, [...(groups.get(key) ?? []), g]);
  }
  return [...groups].map(([key, list]) => ({ key, grants: list }));
}

function grantStatus(grant: Grant, now: number): string {
  const state = grantState(grant, now);
  if (state === 'revoked') return `Revoked ${formatDateTime(grant.revokedAt)}`;
  if (state === 'expired') return 'Expired';
  if (state === 'used') return 'Used (once)';
  // The words the person chose it with in the consent modal: "Once", "For 1 hour", "Until revoked".
  return grantLifetimeLabel(grant);
}

/** Every grant a requester holds, with Revoke: revoking stops the grant's SecretRefs at once. */
export function AccessScreen() {
  const api = useApi();
  const [grants, setGrants] = useState<Grant[] | null>(null);
  const [connectionNames, setConnectionNames] = useState<Map<string, string>>(new Map());
  const [includeInactive, setIncludeInactive] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<Grant | null>(null);
  const [revoking, setRevoking] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [list, active, deleted] = await Promise.all([
        api.grants.list({ includeInactive }),
        api.connections.list(),
        api.connections.list({ deleted: true }),
      ]);
      setGrants(list);
      setConnectionNames(new Map([...deleted, ...active].map((c: Connection) => [c.id, c.name])));
      setFailure(null);
    } catch (error) {
      setFailure(errorMessage(error, 'Could not load the grants.'));
    }
  }, [api, includeInactive]);

  useEffect(() => {
    void load();
    return api.on('grants:changed', () => void load());
  }, [api, load]);

  const revoke = async (grant: Grant) => {
    setRevoking(true);
    try {
      await api.grants.revoke({ id: grant.id });
      setNotice(`Revoked access for ${grant.requester.displayName} to ${grant.variableKey ? `the secret variable ${grant.variableKey}` : (connectionNames.get(grant.connectionId ?? '') ?? 'the connection')}.`);
      setConfirming(null);
      await load();
    } catch (error) {
      setFailure(errorMessage(error, 'Could not revoke the grant.'));
      setConfirming(null);
    } finally {
      setRevoking(false);
    }
  };

  const now = Date.now();
  // A grant is for a connection or for one secret variable (its value revealed).
  const nameOf = (grant: Grant) =>
    grant.variableKey ? `Secret variable ${grant.variableKey}` : (connectionNames.get(grant.connectionId ?? '') ?? `Deleted connection (${grant.connectionId})`);

  return (
    <DataScreen
      title="Access"
      lead="Extensions, agents and programs you allowed to use a connection or to reveal a secret variable. Revoking stops their access at once."
      actions={
        <label className="data-screen-toggle">
          <input type="checkbox" checked={includeInactive} onChange={(e) => setIncludeInactive(e.target.checked)} /> Show revoked and expired grants
        </label>
      }
    >

      <FailureLine failure={failure} />
      <p role="status" className="data-screen-notice">
        {notice}
      </p>

      {grants === null ? (
        <p>Loading grants…</p>
      ) : grants.length === 0 ? (
        <p>No extension or agent has access to a connection.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Requester</th>
              <th scope="col">Connection or variable</th>
              <th scope="col">Scopes</th>
              <th scope="col">Allowed</th>
              <th scope="col">Granted</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          {byRequester(grants).map((group) => (
            <tbody key={group.key} data-requester-group={group.key}>
              <tr className="data-table-group">
                <th colSpan={8} scope="colgroup">
                  {requesterLabel(group.grants[0]!.requester)} · {group.grants.length} {group.grants.length === 1 ? 'grant' : 'grants'}
                </th>
              </tr>
            {group.grants.map((grant) => {
              const active = isGrantActive(grant, now);
              return (
                <tr key={grant.id} data-grant-id={grant.id}>
                  <td>{requesterLabel(grant.requester)}</td>
                  <td>{nameOf(grant)}</td>
                  <td>{grant.scopes.join(', ')}{grant.readOnly ? ' (read-only)' : ''}</td>
                  <td>{grantStatus(grant, now)}</td>
                  <td>{formatDateTime(grant.createdAt)}</td>
                  <td>{formatDateTime(grant.expiresAt, 'Until revoked')}</td>
                  <td>{formatDateTime(grant.lastUsedAt, 'Never')}</td>
                  <td>
                    {active && (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke ${grant.requester.displayName}'s access to ${nameOf(grant)}`}
                        onClick={() => setConfirming(grant)}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
            </tbody>
          ))}
        </table>
      )}

      <AlertDialog.Root open={confirming !== null} onOpenChange={(open) => !open && setConfirming(null)}>
        <AlertDialog.Portal>
          <AlertDialog.Overlay className="dialog-overlay" />
          <AlertDialog.Content className="dialog dialog-small">
            {confirming && (
              <>
                <AlertDialog.Title>Revoke access?</AlertDialog.Title>
                <AlertDialog.Description>
                  {confirming.variableKey
                    ? `${requesterLabel(confirming.requester)} will no longer be able to read the secret variable ${confirming.variableKey}; it has to ask again. A value it already read stays with it: replace the value if that matters.`
                    : `${requesterLabel(confirming.requester)} will no longer be able to use “${nameOf(confirming)}”. References it already holds stop working at once; it has to ask again.`}
                </AlertDialog.Description>
                <div className="form-actions">
                  <span className="spacer" />
                  <AlertDialog.Cancel>Keep access</AlertDialog.Cancel>
                  <button type="button" className="danger" disabled={revoking} onClick={() => void revoke(confirming)}>
                    Revoke
                  </button>
                </div>
              </>
            )}
          </AlertDialog.Content>
        </AlertDialog.Portal>
      </AlertDialog.Root>
    </DataScreen>
  );
}
