import type { Connection, ExtensionInfo } from '@latchkey/contracts';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../ui/errors.js';
import { formatDateTime } from '../ui/format.js';
import { useApi } from '../api.js';
import { DataScreen, FailureLine } from '../ui/DataScreen.js';
import { CommandOutput, ExtensionCommands, useCommandRunner } from './ExtensionCommands.js';
import { InstallFromFolder } from './InstallFromFolder.js';

const STATE_LABELS: Record<ExtensionInfo['state'], string> = {
  running: 'Running',
  stopped: 'Stopped',
  crashed: 'Crashed',
  disabled: 'Disabled',
  restarting: 'Restarting',
  'manifest-only': 'Providers only (no code)',
};

/** Installed extensions, what they provide, whether they run, and a switch to turn each off. */
export function ExtensionsScreen() {
  const api = useApi();
  const [extensions, setExtensions] = useState<ExtensionInfo[] | null>(null);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [failure, setFailure] = useState<string | null>(null);
  const [confirmDisable, setConfirmDisable] = useState<{ extension: ExtensionInfo; orphans: Connection[] } | null>(null);
  const commands = useCommandRunner();

  const load = useCallback(async () => {
    try {
      setExtensions(await api.extensions.list());
    } catch (error) {
      setFailure(errorMessage(error, 'Could not load the extensions.'));
    }
  }, [api]);

  useEffect(() => {
    void load();
    return api.on('extensions:changed', () => void load());
  }, [api, load]);

  const setEnabled = async (extension: ExtensionInfo, enabled: boolean) => {
    setPending((p) => new Set(p).add(extension.id));
    setFailure(null);
    try {
      const updated = await api.extensions.setEnabled({ id: extension.id, enabled });
      setExtensions((list) => list?.map((x) => (x.id === updated.id ? updated : x)) ?? null);
    } catch (error) {
      setFailure(errorMessage(error, `Could not ${enabled ? 'enable' : 'disable'} ${extension.displayName}.`));
    } finally {
      setPending((p) => {
        const next = new Set(p);
        next.delete(extension.id);
        return next;
      });
    }
  };

  /** Turning an extension off first says which connections it leaves without a provider. */
  const toggle = async (extension: ExtensionInfo) => {
    if (!extension.enabled) return setEnabled(extension, true);
    let orphans: Connection[];
    try {
      const othersProvide = new Set((extensions ?? []).filter((x) => x.id !== extension.id && x.enabled).flatMap((x) => x.providers));
      const lost = new Set(extension.providers.filter((p) => !othersProvide.has(p)));
      orphans = lost.size ? (await api.connections.list({})).filter((c) => lost.has(c.providerId)) : [];
    } catch {
      // The list could not be read: ask anyway, without names.
      orphans = [];
    }
    if (orphans.length) setConfirmDisable({ extension, orphans });
    else await setEnabled(extension, false);
  };

  return (
    <DataScreen
      title="Extensions"
      lead="Extensions add connection providers and commands. They run apart from Latchkey and never see a stored secret unless you allow it."
      actions={
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      }
    >

      <FailureLine failure={failure} />
      <InstallFromFolder onInstalled={() => void load()} />

      {extensions === null ? (
        <p>Loading extensions…</p>
      ) : extensions.length === 0 ? (
        <p>No extensions are installed.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Extension</th>
              <th scope="col">Providers</th>
              <th scope="col">State</th>
              <th scope="col">File access</th>
              <th scope="col">Restarts</th>
              <th scope="col">Last error</th>
              <th scope="col">Enabled</th>
              <th scope="col">Commands</th>
            </tr>
          </thead>
          <tbody>
            {extensions.map((x) => (
              <tr key={x.id} data-extension-id={x.id}>
                <td>
                  <strong>{x.displayName}</strong>
                  <div className="muted">
                    {x.id} {x.version} · {x.builtIn ? 'Built in' : 'Installed by you'}
                  </div>
                </td>
                <td>{x.providers.length ? x.providers.join(', ') : 'None'}</td>
                <td>
                  <span className={`state-${x.state}`} data-testid="extension-state">
                    {STATE_LABELS[x.state]}
                  </span>
                  {x.since && <div className="muted">since {formatDateTime(x.since)}</div>}
                </td>
                <td>
                  {x.isolation === 'confined' ? (
                    'Its own folder only'
                  ) : x.isolation === 'unconfined' ? (
                    <span className="state-crashed">Not confined: this runtime cannot limit its file access</span>
                  ) : (
                    <span className="muted">Not reported</span>
                  )}
                </td>
                <td>{x.restarts}</td>
                <td>{x.lastError ?? 'None'}</td>
                <td>
                  <button
                    type="button"
                    role="switch"
                    className="switch"
                    aria-checked={x.enabled}
                    aria-label={`${x.displayName} enabled`}
                    disabled={pending.has(x.id)}
                    onClick={() => void toggle(x)}
                  />
                </td>
                <td>
                  <ExtensionCommands extension={x} running={commands.running} onRun={(command) => void commands.run(x, command)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={confirmDisable !== null}
        title={`Disable ${confirmDisable?.extension.displayName ?? ''}?`}
        description={`${confirmDisable?.orphans.length === 1 ? 'This connection has' : 'These connections have'} no provider while it is off, so nothing can test or use ${confirmDisable?.orphans.length === 1 ? 'it' : 'them'}: ${(confirmDisable?.orphans ?? []).map((c) => `“${c.name}”`).join(', ')}. Their settings and secrets are kept.`}
        confirmLabel="Disable"
        danger
        onOpenChange={(open) => !open && setConfirmDisable(null)}
        onConfirm={() => {
          const pendingDisable = confirmDisable;
          setConfirmDisable(null);
          if (pendingDisable) void setEnabled(pendingDisable.extension, false);
        }}
      />
      <CommandOutput output={commands.output} />
    </DataScreen>
  );
}
