import { useId, useMemo, useState } from 'react';
import type { ProviderInfo } from '@latchkey/contracts';
import { CATEGORY_LABELS, CATEGORY_ORDER } from './format';
import { ProviderIcon } from '../icons/ProviderIcon';

export interface ProviderPickerProps {
  providers: ProviderInfo[];
  onPick(provider: ProviderInfo): void;
}

export function ProviderPicker({ providers, onPick }: ProviderPickerProps) {
  const [query, setQuery] = useState('');
  const searchId = useId();
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matches = providers.filter((p) => {
      if (!q) return true;
      const m = p.manifest;
      return [m.name, m.description, m.id, CATEGORY_LABELS[m.category]].some((s) => s.toLowerCase().includes(q));
    });
    return CATEGORY_ORDER.map((category) => ({
      category,
      items: matches.filter((p) => p.manifest.category === category).sort((a, b) => a.manifest.name.localeCompare(b.manifest.name)),
    })).filter((g) => g.items.length > 0);
  }, [providers, query]);

  return (
    <div className="picker">
      <label htmlFor={searchId} className="field-label">
        Search connection types
      </label>
      <input id={searchId} type="search" autoFocus value={query} onChange={(e) => setQuery(e.target.value)} placeholder="PostgreSQL, HTTP, SMTP…" />
      {providers.length === 0 && <p className="muted">No connection types are installed. Check the Extensions screen.</p>}
      {providers.length > 0 && groups.length === 0 && <p className="muted">No connection type matches “{query}”.</p>}
      {groups.map((group) => (
        <section key={group.category} aria-labelledby={`${searchId}-${group.category}`} className="picker-group">
          <h3 id={`${searchId}-${group.category}`}>{CATEGORY_LABELS[group.category]}</h3>
          <ul className="picker-list">
            {group.items.map((p) => (
              <li key={p.manifest.id}>
                <button type="button" className="picker-item" disabled={!p.available} onClick={() => onPick(p)}>
                  <span className="row-icon" aria-hidden="true">
                    <ProviderIcon provider={p} />
                  </span>
                  <span className="row-main">
                    <span className="row-name">{p.manifest.name}</span>
                    <span className="row-sub">{p.available ? p.manifest.description : 'Unavailable: its extension is not running'}</span>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
