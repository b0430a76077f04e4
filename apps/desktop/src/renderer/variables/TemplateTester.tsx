import { useState, type FormEvent } from 'react';
import type { Connection, ProviderCategory, ProviderInfo, RenderedTemplatePreview } from '@latchkey/contracts';
import { useApi } from '../api';
import { ConnectionPicker } from '../ui/ConnectionPicker';
import { errorMessage } from '../ui/errors';
import { useProviders } from '../connections/useConnectionData';
import { CATEGORY_LABELS, CATEGORY_ORDER } from '../connections/format';

/**
 * Tries a template the way a pipeline would send it; the broker answers with every secret masked,
 * so the page never holds one. The picker inserts `{{ conn.<id>.<field> }}` for a chosen field.
 */
export function TemplateTester() {
  const api = useApi();
  const { providers } = useProviders();
  const [template, setTemplate] = useState('');
  const [category, setCategory] = useState<ProviderCategory | ''>('');
  const [connection, setConnection] = useState<Connection | null>(null);
  const [result, setResult] = useState<RenderedTemplatePreview | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const provider: ProviderInfo | undefined = providers?.find((p) => p.manifest.id === connection?.providerId);

  const render = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setResult(await api.templates.preview({ template }));
      setFailure(null);
    } catch (error) {
      setResult(null);
      setFailure(errorMessage(error, 'The template could not be rendered.'));
    }
  };
  const insert = (field: string) => connection && setTemplate((t) => `${t}{{ conn.${connection.id}.${field} }}`);

  return (
    <section className="template-tester" aria-labelledby="template-tester-title">
      <h2 id="template-tester-title">Try a template</h2>
      <div className="template-tester-picker">
        <label className="field">
          <span className="field-label">Kind of connection</span>
          <select value={category} onChange={(e) => (setCategory(e.target.value as ProviderCategory | ''), setConnection(null))}>
            <option value="">Any</option>
            {CATEGORY_ORDER.map((c) => (
              <option key={c} value={c}>
                {CATEGORY_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
        <ConnectionPicker label="Connection" value={connection?.id ?? null} onChange={setConnection} {...(category ? { category } : {})} />
        {provider && (
          <div className="template-tester-fields" role="group" aria-label="Insert a field">
            {provider.manifest.fields.map((f) => (
              <button key={f.name} type="button" onClick={() => insert(f.name)}>
                {f.label}
                {f.secret ? ' 🔒' : ''}
              </button>
            ))}
          </div>
        )}
      </div>
      <form onSubmit={(e) => void render(e)}>
        <label className="field">
          <span className="field-label">Template</span>
          <textarea value={template} onChange={(e) => setTemplate(e.target.value)} rows={3} placeholder="postgres://{{ conn.warehouse.user }}@{{ conn.warehouse.host }}/{{ var.DB_NAME }}" />
        </label>
        <button type="submit" className="primary">
          Render
        </button>
      </form>
      {failure && (
        <p role="alert" className="field-error">
          {failure}
        </p>
      )}
      {result && (
        <div className="template-tester-result">
          <output aria-label="Rendered template">{result.masked}</output>
          <ul className="muted">
            {result.references.map((r) => (
              <li key={r.expression}>
                <code>{r.expression}</code> from {r.source === 'environment' ? 'the environment' : r.source === 'default' ? 'the default' : 'saved settings'}
                {r.secret ? ' (secret, masked)' : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
