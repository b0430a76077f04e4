import type { ReactNode } from 'react';
import type { UseFormRegisterReturn } from 'react-hook-form';
import type { FieldSpec } from '@latchkey/contracts';
import { KeyValueEditor } from './KeyValueEditor';

/** What the form knows about a secret field's stored value. */
export interface SecretState {
  /** A value is stored and kept: show dots and "Replace", never an input. */
  kept: boolean;
  /** A value is stored (kept or being replaced): a new input offers "Keep saved value". */
  wasStored: boolean;
  /** The stored value can no longer be read. */
  invalid: boolean;
  onReplace(): void;
  onKeep(): void;
}

export interface FieldInputProps {
  field: FieldSpec;
  id: string;
  error: string | undefined;
  /** Said under a target field whose change will clear the kept secrets. */
  retarget: string | null;
  registered: UseFormRegisterReturn;
  secret: SecretState;
  /** The field's value as the form holds it (read once by the key/value editor). */
  value?: string | boolean;
}

/** One manifest field as its input: text, number, URL, select, checkbox, JSON, or a secret. */
export function FieldInput({ field, id, error, retarget, registered, secret, value }: FieldInputProps) {
  const helpId = field.help ? `${id}-help` : undefined;
  const errorId = error ? `${id}-error` : undefined;
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
  const wrap = (children: ReactNode, className = 'field') => <div className={className}>{children}</div>;

  if (field.secret && secret.kept) {
    return wrap(
      <>
        <span className="field-label" id={id}>
          {field.label}
        </span>
        <div className="secret-set">
          <span aria-label={`${field.label} is saved`} role="img">
            ••••••••
          </span>
          <button type="button" aria-describedby={id} onClick={secret.onReplace}>
            Replace
          </button>
        </div>
        {messages}
      </>,
    );
  }
  if (field.type === 'json' && field.editor === 'keyValue') {
    return wrap(
      <>
        <label id={`${id}-label`} htmlFor={id} className="field-label">
          {field.label}
          {field.required && <span className="required"> (required)</span>}
        </label>
        <KeyValueEditor id={id} label={field.label} initial={typeof value === 'string' ? value : ''} secret={field.secret} registered={registered} describedBy={describedBy} />
        {secret.wasStored && (
          <button type="button" className="link-button" onClick={secret.onKeep}>
            Keep saved value
          </button>
        )}
        {messages}
      </>,
    );
  }
  if (field.secret) {
    return wrap(
      <>
        {label}
        <div className="secret-input">
          <input type="password" autoComplete="new-password" spellCheck={false} autoFocus={secret.wasStored} placeholder={field.placeholder} {...common} {...registered} />
          {secret.wasStored && (
            <button type="button" onClick={secret.onKeep}>
              Keep saved value
            </button>
          )}
        </div>
        {secret.invalid && <p className="field-error">The saved value can no longer be read (it was damaged or written under another key). Enter it again.</p>}
        {messages}
      </>,
    );
  }
  if (field.type === 'boolean') {
    return wrap(
      <>
        <input type="checkbox" {...common} {...registered} />
        {label}
        {messages}
      </>,
      'field field-check',
    );
  }
  if (field.type === 'select') {
    return wrap(
      <>
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
      </>,
    );
  }
  if (field.type === 'json' || field.type === 'file') {
    return wrap(
      <>
        {label}
        <textarea rows={3} spellCheck={false} placeholder={field.placeholder} {...common} {...registered} />
        {messages}
      </>,
    );
  }
  return wrap(
    <>
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
    </>,
  );
}
