import type { ImportAction, ImportItem } from '@latchkey/contracts';

export interface ItemChoice {
  action: ImportAction;
  /** Secrets the person typed for what the file lacks. */
  secrets: Record<string, string>;
}

/** One line per connection of an import: what it is, what it lacks, and what to do about a match. */
export function ImportReview({ items, choices, onChoice }: { items: ImportItem[]; choices: Record<number, ItemChoice>; onChoice(index: number, choice: ItemChoice): void }) {
  return (
    <ul className="import-review" aria-label="Connections to import">
      {items.map((item) => {
        const choice = choices[item.index] ?? { action: 'skip', secrets: {} };
        const id = `import-item-${item.index}`;
        return (
          <li key={item.index} className="import-item" data-testid="import-item">
            <div className="import-item-head">
              <strong id={`${id}-name`}>{item.name}</strong>
              <span className="muted"> · {item.providerName}</span>
            </div>
            {item.problem ? (
              <p className="field-error">{item.problem}. It is left out.</p>
            ) : (
              <>
                {item.secretsIncluded.length > 0 && <p className="field-help">Brings its {item.secretsIncluded.join(', ')}.</p>}
                {item.match ? (
                  <div className="field">
                    <label className="field-label" htmlFor={`${id}-action`}>
                      “{item.match.name}” already exists
                    </label>
                    <select id={`${id}-action`} value={choice.action} onChange={(e) => onChoice(item.index, { ...choice, action: e.target.value as ImportAction })}>
                      <option value="skip">Skip it</option>
                      <option value="replace">Replace its settings</option>
                      <option value="keep-both">Keep both (import under a new name)</option>
                    </select>
                    {choice.action === 'replace' && !item.match.sameTarget && (
                      <p className="field-help">It points somewhere else: the stored secrets of “{item.match.name}” are dropped, not sent there.</p>
                    )}
                  </div>
                ) : (
                  <label className="field-check">
                    <input type="checkbox" checked={choice.action !== 'skip'} onChange={(e) => onChoice(item.index, { ...choice, action: e.target.checked ? 'keep-both' : 'skip' })} />
                    Import it
                  </label>
                )}
                {/* A replace on the same target keeps the stored secrets: nothing to ask for. */}
                {choice.action !== 'skip' &&
                  !(choice.action === 'replace' && item.match?.sameTarget) &&
                  item.secretsMissing.map((f) => (
                      <div className="field" key={f.name}>
                        <label className="field-label" htmlFor={`${id}-${f.name}`}>
                          {f.label} <span className="muted">(not in the file; leave blank to add it later)</span>
                        </label>
                        <input
                          id={`${id}-${f.name}`}
                          type="password"
                          autoComplete="off"
                          value={choice.secrets[f.name] ?? ''}
                          onChange={(e) => onChoice(item.index, { ...choice, secrets: { ...choice.secrets, [f.name]: e.target.value } })}
                        />
                      </div>
                    ))}
              </>
            )}
          </li>
        );
      })}
    </ul>
  );
}
