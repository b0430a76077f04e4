import { Fragment, useEffect, useId, type ReactNode } from 'react';
import type { Connection, ProviderInfo } from '@latchkey/contracts';
import { retargetWarning } from './draft';
import { FieldInput } from './FieldInput';
import { TestDetails, TestResultView } from './TestResultView';
import { useConnectionDraft } from './useConnectionDraft';
import { OAuth2SignIn, ScopeChoices, startSignIn } from './OAuth2SignIn';
import { useApi } from '../api';

export interface ConnectionFormProps {
  provider: ProviderInfo;
  /** Absent: a new connection. */
  connection?: Connection;
  /** A new connection that starts from this one's settings (Duplicate); never its secrets. */
  copyOf?: Connection;
  onSaved(connection: Connection, created: boolean): void;
  onCancel(): void;
  /** Extra actions for a saved connection (Set default, Delete). */
  extraActions?: ReactNode;
  /** Whether the form holds changes not saved yet (the editor asks before discarding them). */
  onDirtyChange?(dirty: boolean): void;
}

/** A form built from the provider's `fields`, validated by the same compiled schema as the broker. */
export function ConnectionForm({ provider, connection, copyOf, onSaved, onCancel, extraActions, onDirtyChange }: ConnectionFormProps) {
  const manifest = provider.manifest;
  const idPrefix = useId();
  const draft = useConnectionDraft(provider, connection, onSaved, copyOf);
  const { register, handleSubmit, formState } = draft.form;
  const { test, formError, secrets } = draft;
  const api = useApi();
  const oauth2 = manifest.oauth2;

  const nameError = formState.errors.name?.message;
  // Read during render so react-hook-form tracks it; a copy is unsaved from the start.
  const dirty = formState.isDirty || copyOf !== undefined;
  useEffect(() => onDirtyChange?.(dirty), [dirty, onDirtyChange]);
  return (
    <form className="connection-form" noValidate onSubmit={handleSubmit((v) => draft.save(v))}>
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
      {/* First, where it is seen: whether the connection is signed in, and the button to do it. */}
      {oauth2 && connection && <OAuth2SignIn connection={connection} provider={provider} />}
      {draft.shown.map((field) => (
        <Fragment key={field.name}>
        {oauth2 && field.name === oauth2.scopesField && (
          <ScopeChoices provider={provider} value={String(draft.config[field.name] ?? '')} onChange={(v) => draft.form.setValue(`config.${field.name}`, v, { shouldDirty: true })} />
        )}
        <FieldInput
          field={field}
          value={draft.config[field.name]}
          id={`${idPrefix}-${field.name}`}
          error={formState.errors.config?.[field.name]?.message}
          retarget={
            draft.savedConfig && draft.targetNames.has(field.name) && draft.config[field.name] !== draft.savedConfig[field.name] ? retargetWarning(field, draft.keptSecretFields) : null
          }
          registered={register(`config.${field.name}`, field.name === draft.tls?.name ? { onChange: draft.onTlsChosen } : undefined)}
          secret={{
            kept: secrets.stored.has(field.name) && !secrets.isReplacing(field.name),
            wasStored: secrets.stored.has(field.name),
            invalid: connection?.secretFields[field.name] === 'invalid',
            onReplace: () => secrets.replace(field.name),
            onKeep: () => secrets.keep(field.name),
          }}
        />
        </Fragment>
      ))}
      <TestResultView state={test} />
      <TestDetails details={test.kind === 'done' ? test.result.details : connection?.lastTest?.details} />
      {formError && (
        <div role="alert" className="form-error">
          <p>{formError.message}</p>
          {formError.cipher && (
            <button type="button" onClick={() => void handleSubmit((v) => draft.save(v, false))()}>
              Save without the secrets
            </button>
          )}
        </div>
      )}
      <div className="form-actions">
        <button type="button" onClick={() => void draft.runTest()} disabled={test.kind === 'running'}>
          Test connection
        </button>
        {/* An MCP server's test lists its tools, stored with the connection and shown below the form. */}
        {connection && manifest.transport === 'mcp' && (
          <button type="button" onClick={() => void draft.runTest()} disabled={test.kind === 'running'}>
            Refresh tools
          </button>
        )}
        {extraActions}
        <span className="spacer" />
        {/* No blur on press: a field's blur validation would move the button away from under the pointer, losing the first click. */}
        <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={onCancel}>
          Cancel
        </button>
        {oauth2 && !connection && (
          <button
            type="button"
            disabled={formState.isSubmitting}
            onClick={() =>
              void handleSubmit(async (v) => {
                const saved = await draft.save(v);
                if (saved) await startSignIn(api, saved.id);
              })()
            }
          >
            Save and sign in
          </button>
        )}
        <button type="submit" className="primary" disabled={formState.isSubmitting}>
          {connection ? 'Save changes' : 'Save connection'}
        </button>
      </div>
    </form>
  );
}
