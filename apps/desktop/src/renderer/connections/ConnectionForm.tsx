import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import { useForm, type FieldErrors, type Resolver } from 'react-hook-form';
import { ConnectionName, targetFields, visibleFields, type Connection, type FieldSpec, type ProviderInfo, type TestResult } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorCode, errorIssues, errorMessage } from '../ui/errors';
import { checkDraft, fieldValues, hostFieldName, initialConfig, retargetWarning, tlsDefaultFor, tlsField, type FormConfig } from './draft';
import { TestDetails, TestResultView, type TestState } from './TestResultView';

interface FormValues {
  name: string;
  config: FormConfig;
}

export interface ConnectionFormProps {
  provider: ProviderInfo;
  /** Absent: a new connection. */
  connection?: Connection;
  onSaved(connection: Connection, created: boolean): void;
  onCancel(): void;
  /** Extra actions for a saved connection (Set default, Delete). */
  extraActions?: ReactNode;
}

/** A form built from the provider's `fields`, validated by the same compiled schema as the broker. */
export function ConnectionForm({ provider, connection, onSaved, onCancel, extraActions }: ConnectionFormProps) {
  const api = useApi();
  const manifest = provider.manifest;
  const idPrefix = useId();
  const stored = useMemo(() => new Set(Object.entries(connection?.secretFields ?? {}).filter(([, s]) => s === 'set').map(([k]) => k)), [connection]);
  const [replacing, setReplacing] = useState<ReadonlySet<string>>(() => new Set());
  const keptSecrets = useMemo(() => new Set([...stored].filter((name) => !replacing.has(name))), [stored, replacing]);
  const [test, setTest] = useState<TestState>({ kind: 'idle' });
  const [formError, setFormError] = useState<{ message: string; cipher: boolean } | null>(null);

  const resolver: Resolver<FormValues> = async (values) => {
    const errors: FieldErrors<FormValues> = {};
    const name = ConnectionName.safeParse(values.name);
    if (!name.success) errors.name = { type: 'validate', message: name.error.issues[0]?.message ?? 'Name is required' };
    const check = checkDraft(manifest, values.config, { requireSecrets: false, storedSecrets: keptSecrets });
    if (!check.ok) errors.config = Object.fromEntries(Object.entries(check.errors).map(([k, message]) => [k, { type: 'validate', message }])) as FieldErrors<FormConfig>;
    return Object.keys(errors).length > 0 ? { values: {}, errors } : { values, errors: {} };
  };

  const form = useForm<FormValues>({
    defaultValues: { name: connection?.name ?? '', config: initialConfig(manifest, connection) },
    resolver,
    mode: 'onTouched',
  });
  const { register, handleSubmit, watch, setValue, setError, getValues, formState } = form;
  const config = watch('config');
  const shown = visibleFields(manifest.fields, fieldValues(manifest.fields, config));
  // Editing a saved connection: a changed target field will drop the stored secrets kept here.
  const savedConfig = useMemo(() => (connection ? initialConfig(manifest, connection) : null), [manifest, connection]);
  const targetNames = useMemo(() => new Set(targetFields(manifest).map((f) => f.name)), [manifest]);
  const keptSecretFields = manifest.fields.filter((f) => keptSecrets.has(f.name));

  // SSL on for a host that is not loopback, until the person chooses themselves.
  const hostName = useMemo(() => hostFieldName(manifest), [manifest]);
  const tls = useMemo(() => tlsField(manifest), [manifest]);
  const hostValue = hostName ? String(config[hostName] ?? '') : '';
  const [tlsChosen, setTlsChosen] = useState(false);
  useEffect(() => {
    if (!tls || connection || tlsChosen) return;
    const on = tlsDefaultFor(hostValue);
    if (on === null) return;
    const wanted = on ? tls.on : tls.off;
    if (getValues(`config.${tls.name}`) !== wanted) setValue(`config.${tls.name}`, wanted);
  }, [hostValue, tls, connection, tlsChosen, getValues, setValue]);

  function showServerError(error: unknown) {
    let placed = false;
    for (const issue of errorIssues(error)) {
      const key = issue.path.replace(/^(config|secrets)\./, '');
      if (key === 'name') {
        setError('name', { type: 'server', message: issue.message });
        placed = true;
      } else if (manifest.fields.some((f) => f.name === key)) {
        setError(`config.${key}`, { type: 'server', message: issue.message });
        placed = true;
      }
    }
    if (!placed || errorCode(error) !== 'VALIDATION') setFormError({ message: errorMessage(error), cipher: errorCode(error) === 'CIPHER_UNAVAILABLE' });
  }

  async function save(values: FormValues, withSecrets = true) {
    setFormError(null);
    const check = checkDraft(manifest, values.config, { requireSecrets: false, storedSecrets: keptSecrets });
    if (!check.ok) return;
    const secrets = withSecrets ? check.secrets : {};
    try {
      const saved = connection
        ? await api.connections.update({ id: connection.id, name: values.name, config: check.config, ...(Object.keys(secrets).length > 0 ? { secrets } : {}) })
        : await api.connections.create({ providerId: manifest.id, name: values.name, config: check.config, secrets });
      onSaved(saved, !connection);
    } catch (error) {
      showServerError(error);
    }
  }

  async function runTest() {
    setFormError(null);
    const values = getValues();
    const check = checkDraft(manifest, values.config, { requireSecrets: true, storedSecrets: keptSecrets });
    if (!check.ok) {
      for (const [key, message] of Object.entries(check.errors)) setError(`config.${key}`, { type: 'validate', message }, { shouldFocus: true });
      setTest({ kind: 'idle' });
      return;
    }
    setTest({ kind: 'running' });
    try {
      // Compared with what is stored, not with the form's dirty flag: react-hook-form only
      // tracks that flag once it has been read during render, so the first test missed edits.
      const unchanged = connection && sameValues(check.config, connection.config) && Object.keys(check.secrets).length === 0;
      const result: TestResult = unchanged
        ? await api.connections.test({ id: connection.id })
        : await api.connections.testDraft({ providerId: manifest.id, config: check.config, secrets: check.secrets, ...(connection ? { connectionId: connection.id } : {}) });
      setTest({ kind: 'done', result });
    } catch (error) {
      setTest({ kind: 'failed', message: errorMessage(error) });
    }
  }

  function fieldId(field: FieldSpec) {
    return `${idPrefix}-${field.name}`;
  }

  function renderField(field: FieldSpec) {
    const id = fieldId(field);
    const error = formState.errors.config?.[field.name]?.message;
    const helpId = field.help ? `${id}-help` : undefined;
    const errorId = error ? `${id}-error` : undefined;
    const retarget = savedConfig && targetNames.has(field.name) && config[field.name] !== savedConfig[field.name] ? retargetWarning(field, keptSecretFields) : null;
    const retargetId = retarget ? `${id}-retarget` : undefined;
    const describedBy = [helpId, retargetId, errorId].filter(Boolean).join(' ') || undefined;
    const label = (
      <label htmlFor={id} className="field-label">
        {field.label}
        {field.required && <span className="required"> (required)</span>}
      </label>
    );
    const messages = (
      <>
        {field.help && (
          <p id={helpId} className="field-help">
            {field.help}
          </p>
        )}
        {retarget && (
          <p id={retargetId} className="field-help field-warning" role="status">
            {retarget}
          </p>
        )}
        {error && (
          <p id={errorId} className="field-error">
            {error}
          </p>
        )}
      </>
    );
    const common = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy } as const;
    const registered = register(`config.${field.name}`, field.name === tls?.name ? { onChange: () => setTlsChosen(true) } : undefined);

    if (field.secret && stored.has(field.name) && !replacing.has(field.name)) {
      return (
        <div className="field" key={field.name}>
          <span className="field-label" id={id}>
            {field.label}
          </span>
          <div className="secret-set">
            <span aria-label={`${field.label} is saved`} role="img">
              ••••••••
            </span>
            <button type="button" aria-describedby={id} onClick={() => setReplacing(new Set([...replacing, field.name]))}>
              Replace
            </button>
          </div>
          {messages}
        </div>
      );
    }
    if (field.secret) {
      const wasStored = stored.has(field.name);
      const invalid = connection?.secretFields[field.name] === 'invalid';
      return (
        <div className="field" key={field.name}>
          {label}
          <div className="secret-input">
            <input type="password" autoComplete="new-password" spellCheck={false} autoFocus={wasStored} placeholder={field.placeholder} {...common} {...registered} />
            {wasStored && (
              <button
                type="button"
                onClick={() => {
                  setValue(`config.${field.name}`, '');
                  setReplacing(new Set([...replacing].filter((n) => n !== field.name)));
                }}
              >
                Keep saved value
              </button>
            )}
          </div>
          {invalid && <p className="field-error">The saved value can no longer be read (it was damaged or written under another key). Enter it again.</p>}
          {messages}
        </div>
      );
    }
    if (field.type === 'boolean') {
      return (
        <div className="field field-check" key={field.name}>
          <input type="checkbox" {...common} {...registered} />
          {label}
          {messages}
        </div>
      );
    }
    if (field.type === 'select') {
      return (
        <div className="field" key={field.name}>
          {label}
          <select {...common} {...registered}>
            {!field.required && <option value="">—</option>}
            {(field.options ?? []).map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {messages}
        </div>
      );
    }
    if (field.type === 'json' || field.type === 'file') {
      return (
        <div className="field" key={field.name}>
          {label}
          <textarea rows={3} spellCheck={false} placeholder={field.placeholder} {...common} {...registered} />
          {messages}
        </div>
      );
    }
    return (
      <div className="field" key={field.name}>
        {label}
        <input
          type={field.type === 'number' ? 'number' : field.format === 'url' ? 'url' : 'text'}
          inputMode={field.type === 'number' ? 'numeric' : undefined}
          spellCheck={false}
          autoComplete="off"
          placeholder={field.placeholder}
          min={field.type === 'number' ? field.min : undefined}
          max={field.type === 'number' ? field.max : undefined}
          {...common}
          {...registered}
        />
        {messages}
      </div>
    );
  }

  const nameError = formState.errors.name?.message;
  return (
    <form className="connection-form" noValidate onSubmit={handleSubmit((v) => save(v))}>
      <div className="field">
        <label htmlFor={`${idPrefix}-name`} className="field-label">
          Name<span className="required"> (required)</span>
        </label>
        <input
          id={`${idPrefix}-name`}
          autoFocus={!connection}
          autoComplete="off"
          placeholder={`My ${manifest.name}`}
          aria-invalid={nameError ? true : undefined}
          aria-describedby={nameError ? `${idPrefix}-name-error` : undefined}
          {...register('name')}
        />
        {nameError && (
          <p id={`${idPrefix}-name-error`} className="field-error">
            {nameError}
          </p>
        )}
      </div>
      {shown.map(renderField)}
      <TestResultView state={test} />
      <TestDetails details={test.kind === 'done' ? test.result.details : connection?.lastTest?.details} />
      {formError && (
        <div role="alert" className="form-error">
          <p>{formError.message}</p>
          {formError.cipher && (
            <button type="button" onClick={() => void handleSubmit((v) => save(v, false))()}>
              Save without the secrets
            </button>
          )}
        </div>
      )}
      <div className="form-actions">
        <button type="button" onClick={() => void runTest()} disabled={test.kind === 'running'}>
          Test connection
        </button>
        {extraActions}
        <span className="spacer" />
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={formState.isSubmitting}>
          {connection ? 'Save changes' : 'Save connection'}
        </button>
      </div>
    </form>
  );
}

/** Same keys and values, whatever their order. */
function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const canonical = (o: Record<string, unknown>) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
  return canonical(a) === canonical(b);
}
