import { useId, type Ref } from 'react';
import type { ProviderCategory } from '@latchkey/contracts';
import { CATEGORY_LABELS } from './format';
import { Plus, Trash2 } from 'lucide-react';

export interface ConnectionsToolbarProps {
  query: string;
  onQuery(query: string): void;
  category: ProviderCategory | '';
  onCategory(category: ProviderCategory | ''): void;
  /** Only the categories some installed provider belongs to. */
  categories: ProviderCategory[];
  trashCount: string;
  onTrash(): void;
  onAdd(): void;
  addButton: Ref<HTMLButtonElement>;
}

/** Search, category filter, Trash and Add connection, over the list. */
export function ConnectionsToolbar({ query, onQuery, category, onCategory, categories, trashCount, onTrash, onAdd, addButton }: ConnectionsToolbarProps) {
  const searchId = useId();
  const categoryId = useId();
  return (
    <div className="toolbar">
      <label htmlFor={searchId} className="visually-hidden">
        Search connections
      </label>
      <input id={searchId} type="search" placeholder="Search by name, type or address" value={query} onChange={(e) => onQuery(e.target.value)} />
      <label htmlFor={categoryId} className="visually-hidden">
        Filter by category
      </label>
      <select id={categoryId} value={category} onChange={(e) => onCategory(e.target.value as ProviderCategory | '')}>
        <option value="">All categories</option>
        {categories.map((cat) => (
          <option key={cat} value={cat}>
            {CATEGORY_LABELS[cat]}
          </option>
        ))}
      </select>
      <button type="button" className="icon-button" onClick={onTrash}>
        <Trash2 size={16} aria-hidden="true" />
        Trash ({trashCount})
      </button>
      <button ref={addButton} type="button" className="primary icon-button" onClick={onAdd}>
        <Plus size={16} aria-hidden="true" />
        Add connection
      </button>
    </div>
  );
}
