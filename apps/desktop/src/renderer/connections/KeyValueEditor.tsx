import { useState } from 'react';
import type { UseFormRegisterReturn } from 'react-hook-form';
import { Plus, X } from 'lucide-react';

interface Row {
  key: string;
  value: string;
}

/** The form holds JSON text; rows are read from it once, and written back as an object on every change. */
function rowsOf(text: string): Row[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const rows = Object.entries(parsed as Record<string, unknown>).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
      if (rows.length) return rows;
    }
  } catch {
    // Not JSON yet (a blank field): start with one empty row.
  }
  return [{ key: '', value: '' }];
}

/** Rows with a name, as the JSON object the field stores; blank when there are none, so "required" can speak. */
function textOf(rows: Row[]): string {
  const named = rows.filter((r) => r.key.trim() !== '');
  return named.length ? JSON.stringify(Object.fromEntries(named.map((r) => [r.key.trim(), r.value]))) : '';
}

/**
 * Names and values in rows instead of JSON typed into a box (headers, environment variables).
 * For a secret field the values are password inputs: what is typed is never shown back.
 */
export function KeyValueEditor({ id, label, initial, secret, registered, describedBy }: { id: string; label: string; initial: string; secret: boolean; registered: UseFormRegisterReturn; describedBy: string | undefined }) {
  const [rows, setRows] = useState<Row[]>(() => rowsOf(initial));
  const update = (next: Row[]) => {
    setRows(next);
    void registered.onChange({ target: { name: registered.name, value: textOf(next) }, type: 'change' });
  };
  const set = (index: number, patch: Partial<Row>) => update(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  return (
    <div className="key-value" role="group" aria-labelledby={`${id}-label`} aria-describedby={describedBy}>
      {rows.map((row, index) => (
        <div className="key-value-row" key={index}>
          <input
            id={index === 0 ? id : undefined}
            aria-label={`${label}: name ${index + 1}`}
            autoComplete="off"
            spellCheck={false}
            placeholder="Name"
            value={row.key}
            onChange={(e) => set(index, { key: e.target.value })}
          />
          <input
            aria-label={`${label}: value ${index + 1}`}
            type={secret ? 'password' : 'text'}
            autoComplete={secret ? 'new-password' : 'off'}
            spellCheck={false}
            placeholder="Value"
            value={row.value}
            onChange={(e) => set(index, { value: e.target.value })}
          />
          <button type="button" className="icon-button" aria-label={`Remove ${label.toLowerCase()} row ${index + 1}`} onClick={() => update(rows.length > 1 ? rows.filter((_, i) => i !== index) : [{ key: '', value: '' }])}>
            <X size={14} aria-hidden="true" />
          </button>
        </div>
      ))}
      <button type="button" className="icon-button link-button" onClick={() => setRows([...rows, { key: '', value: '' }])}>
        <Plus size={14} aria-hidden="true" /> Add a row
      </button>
    </div>
  );
}
