import { AuditType } from '@latchkey/contracts';
import type { FormEvent } from 'react';
import type { Filters } from './filters.js';
import { TYPE_LABELS } from './labels.js';

export interface AuditFiltersProps {
  draft: Filters;
  onDraft(update: (draft: Filters) => Filters): void;
  onApply(): void;
  onClear(): void;
  connectionNames: Map<string, string>;
  requesterIds: string[];
}

/** Connection, requester, type and time range; applied on submit, not on each keystroke. */
export function AuditFilters({ draft, onDraft, onApply, onClear, connectionNames, requesterIds }: AuditFiltersProps) {
  const field = <K extends keyof Filters>(key: K) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => onDraft((d) => ({ ...d, [key]: e.target.value })),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply();
  };
  return (
    <form className="data-screen-filters" onSubmit={submit} aria-label="Audit filters">
      <label>
        Connection
        <select {...field('connectionId')}>
          <option value="">All connections</option>
          {[...connectionNames].map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Requester id
        <input type="text" list="lk-audit-requesters" placeholder="Any requester" {...field('requesterId')} />
        <datalist id="lk-audit-requesters">
          {requesterIds.map((id) => (
            <option key={id} value={id} />
          ))}
        </datalist>
      </label>
      <label>
        Event type
        <select {...field('type')}>
          <option value="">All events</option>
          {AuditType.options.map((type) => (
            <option key={type} value={type}>
              {TYPE_LABELS[type]}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="datetime-local" {...field('from')} />
      </label>
      <label>
        To
        <input type="datetime-local" {...field('to')} />
      </label>
      <button type="submit">Apply filters</button>
      <button type="button" onClick={onClear}>
        Clear
      </button>
    </form>
  );
}
