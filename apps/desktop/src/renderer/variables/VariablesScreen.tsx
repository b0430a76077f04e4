import { useState, type FormEvent } from 'react';
import type { Variable } from '@latchkey/contracts';
import { useApi } from '../api';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { DataScreen, FailureLine } from '../ui/DataScreen';
import { errorMessage } from '../ui/errors';
import { TemplateTester } from './TemplateTester';
import { useVariables } from './useVariables';

/**
 * Settings → Variables: values programs read as `{{ var.<key> }}`. A secret value is write-only:
 * after saving it shows as set, with Replace. LATCHKEY_VAR_<KEY> in the environment wins.
 */
export function VariablesScreen() {
  const api = useApi();
  const { variables, failure, reload } = useVariables();
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Variable | null>(null);

  const remove = async (v: Variable) => {
    setDeleting(null);
    try {
      await api.variables.delete({ key: v.key });
      setNotice(`Deleted ${v.key}.`);
      await reload();
    } catch (e) {
      setError(errorMessage(e, 'Could not delete the variable.'));
    }
  };

  return (
    <DataScreen title="Variables" lead="Values pipelines and scripts read as {{ var.<key> }}. Secret values are encrypted and never shown again; LATCHKEY_VAR_<KEY> in the environment wins over what is saved here.">
      <FailureLine failure={failure ?? error} />
      <p role="status" className="data-screen-notice">
        {notice}
      </p>
      <AddVariableForm onSaved={(key) => (setNotice(`Saved ${key}.`), setError(null), void reload())} onError={setError} />
      {variables === null ? (
        <p>Loading variables…</p>
      ) : variables.length === 0 ? (
        <p>No variables yet.</p>
      ) : (
        <table className="data-table variables-table">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Description</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {variables.map((v) => (
              <VariableRow key={v.key} variable={v} onDelete={setDeleting} onSaved={() => (setNotice(`Replaced the value of ${v.key}.`), void reload())} onError={setError} />
            ))}
          </tbody>
        </table>
      )}
      <TemplateTester />
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting?.key ?? ''}?`}
        description="Programs that read it will fail with a missing-variable error."
        confirmLabel="Delete"
        danger
        onOpenChange={(open) => !open && setDeleting(null)}
        onConfirm={() => deleting && void remove(deleting)}
      />
    </DataScreen>
  );
}

function AddVariableForm({ onSaved, onError }: { onSaved(key: string): void; onError(text: string): void }) {
  const api = useApi();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const saved = await api.variables.set({ key, value, description, secret });
      setKey('');
      setValue('');
      setDescription('');
      setSecret(false);
      onSaved(saved.key);
    } catch (error) {
      onError(errorMessage(error, 'Could not save the variable.'));
    }
  };
  return (
    <form className="variable-form" aria-label="Add a variable" onSubmit={(e) => void submit(e)}>
      <label className="field">
        <span className="field-label">Key</span>
        <input value={key} onChange={(e) => setKey(e.target.value)} required placeholder="API_URL" autoComplete="off" />
      </label>
      <label className="field">
        <span className="field-label">Value</span>
        <input value={value} onChange={(e) => setValue(e.target.value)} type={secret ? 'password' : 'text'} autoComplete="off" />
      </label>
      <label className="field">
        <span className="field-label">Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" />
      </label>
      <label className="field field-check">
        <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} /> Secret
      </label>
      <button type="submit" className="primary">
        Save variable
      </button>
    </form>
  );
}

function VariableRow({ variable: v, onDelete, onSaved, onError }: { variable: Variable; onDelete(v: Variable): void; onSaved(): void; onError(text: string): void }) {
  const api = useApi();
  const [replacing, setReplacing] = useState(false);
  const [value, setValue] = useState('');
  const replace = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.variables.set({ key: v.key, value });
      setReplacing(false);
      setValue('');
      onSaved();
    } catch (error) {
      onError(errorMessage(error, 'Could not replace the value.'));
    }
  };
  return (
    <tr data-variable={v.key}>
      <td>
        <code>{v.key}</code>
        {v.secret && <span className="badge">Secret</span>}
        {v.overridden && <span className="badge badge-override">{v.environmentOnly ? 'Environment only' : 'Overridden by environment'}</span>}
      </td>
      <td>
        {replacing ? (
          <form className="inline-form" aria-label={`New value for ${v.key}`} onSubmit={(e) => void replace(e)}>
            <input aria-label={`New value for ${v.key}`} type={v.secret ? 'password' : 'text'} value={value} onChange={(e) => setValue(e.target.value)} required autoComplete="off" />
            <button type="submit" className="primary">
              Save
            </button>
            <button type="button" onClick={() => setReplacing(false)}>
              Cancel
            </button>
          </form>
        ) : v.secret ? (
          <span aria-label="Secret value set">{v.secretState === 'set' ? '••••••••' : 'Missing — replace it'}</span>
        ) : (
          <code>{v.value ?? '(from the environment)'}</code>
        )}
      </td>
      <td>{v.description}</td>
      <td className="row-actions">
        {!v.environmentOnly && !replacing && (
          <button type="button" onClick={() => setReplacing(true)}>
            {v.secret ? 'Replace' : 'Edit value'}
          </button>
        )}
        {!v.environmentOnly && (
          <button type="button" className="danger" onClick={() => onDelete(v)}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}
