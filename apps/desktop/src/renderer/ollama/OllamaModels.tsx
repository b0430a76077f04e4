import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { OllamaModel, OllamaPullProgress, OllamaPullResult } from '@latchkey/contracts';
import { useApi } from '../api';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { errorMessage } from '../ui/errors';

const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
/** Sizes as Ollama's own CLI shows them (decimal units): "2 GB", "734.2 MB". */
function formatSize(n: number): string {
  const [unit, div] = n >= 1e9 ? ['GB', 1e9] : n >= 1e6 ? ['MB', 1e6] : n >= 1e3 ? ['KB', 1e3] : ['B', 1];
  return `${oneDecimal.format(n / (div as number))} ${unit as string}`;
}
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0 });

/**
 * The Ollama connection's "Models": what its server holds (GET /api/tags), pull one with its
 * progress (the broker streams it as `ollama:pullProgress` events), delete one after a
 * confirmation. Every call is the broker's, pinned to the connection's base URL and masked.
 */
export function OllamaModels({ connectionId }: { connectionId: string }) {
  const api = useApi();
  const inputId = useId();
  const [models, setModels] = useState<OllamaModel[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [pulling, setPullingState] = useState<string | null>(null);
  // The same value, readable at once by the handlers below (state updates land at the next render).
  const pullingNow = useRef<string | null>(null);
  const setPulling = useCallback((model: string | null) => {
    pullingNow.current = model;
    setPullingState(model);
  }, []);
  const [progress, setProgress] = useState<OllamaPullProgress | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setModels((await api.ollama.listModels({ id: connectionId })).models);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api, connectionId]);

  // A pull ends for this page either through its own call's answer or, after a reload, through the
  // pull's last event (which says how it ended); whichever comes first, the second changes nothing.
  const finish = useCallback(
    (model: string, result: OllamaPullResult) => {
      if (pullingNow.current !== model) return;
      setPulling(null);
      setOutcome(result.outcome === 'done' ? `Pulled ${model}` : result.outcome === 'cancelled' ? `Pull of ${model} cancelled` : `Pull of ${model} failed: ${result.message}`);
      if (result.outcome === 'done') setName('');
      void reload();
    },
    [reload, setPulling],
  );

  useEffect(() => void reload(), [reload]);
  useEffect(
    () =>
      api.on('ollama:pullProgress', (p) => {
        if (p.connectionId !== connectionId) return;
        // A pull another page started (or this one before a reload) is followed too.
        if (!pullingNow.current && !p.outcome) setPulling(p.model);
        if (p.model !== pullingNow.current) return;
        setProgress(p);
        if (p.outcome) finish(p.model, { outcome: p.outcome, message: p.status });
      }),
    [api, connectionId, finish, setPulling],
  );
  // A pull started before this page loaded (a reload, a second window) is shown as it stands.
  useEffect(() => {
    let live = true;
    api.ollama
      .pulls({ id: connectionId })
      .then((running) => {
        const first = running[0];
        if (!live || !first || pullingNow.current) return;
        setPulling(first.model);
        setProgress(first);
      })
      .catch(() => undefined);
    return () => void (live = false);
  }, [api, connectionId, setPulling]);

  async function pull() {
    const model = name.trim();
    if (!model || pulling) return;
    setPulling(model);
    setOutcome(null);
    setProgress(null);
    try {
      finish(model, await api.ollama.pull({ id: connectionId, model }));
    } catch (e) {
      setPulling(null);
      setOutcome(errorMessage(e));
    }
  }

  async function remove(model: string) {
    setConfirm(null);
    try {
      await api.ollama.delete({ id: connectionId, model });
      setOutcome(`Deleted ${model}`);
      await reload();
    } catch (e) {
      setOutcome(errorMessage(e));
    }
  }

  const ratio = progress?.total ? (progress.completed ?? 0) / progress.total : undefined;
  return (
    <section className="ollama-models" aria-labelledby={`${inputId}-title`}>
      <h3 id={`${inputId}-title`} className="connection-usage-title">
        Models
      </h3>
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      {models && models.length === 0 && <p className="muted">No models on this server yet.</p>}
      {models && models.length > 0 && (
        <ul className="ollama-model-list" aria-label="Models">
          {models.map((m) => (
            <li key={m.name}>
              <span className="ollama-model-name">{m.name}</span>
              <span className="muted">{[m.parameterSize, m.quantization, m.size !== undefined ? formatSize(m.size) : undefined].filter(Boolean).join(' · ')}</span>
              <button type="button" className="danger" onClick={() => setConfirm(m.name)} aria-label={`Delete ${m.name}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {/* Not a <form>: this section sits inside the connection's own form. Enter pulls. */}
      <div className="inline-form" role="group" aria-label="Pull a model">
        <label htmlFor={inputId}>Model</label>
        <input
          id={inputId}
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key !== 'Enter') return;
            e.preventDefault();
            void pull();
          }}
          placeholder="llama3.2 or qwen2.5-coder:7b" disabled={pulling !== null} spellCheck={false} />
        <button type="button" onClick={() => void pull()} disabled={!name.trim() || pulling !== null}>
          Pull
        </button>
        {pulling && (
          <button type="button" onClick={() => void api.ollama.cancelPull({ id: connectionId, model: pulling }).catch((e: unknown) => setOutcome(errorMessage(e)))}>
            Cancel pull
          </button>
        )}
      </div>
      {pulling && (
        <div className="ollama-pull" aria-live="polite">
          <progress aria-label={`Pulling ${pulling}`} max={1} value={ratio} />
          <span className="muted">
            {progress?.status ?? 'Starting'}
            {ratio !== undefined ? ` · ${percent.format(ratio)}` : ''}
          </span>
        </div>
      )}
      {outcome && (
        <p role="status" className="muted">
          {outcome}
        </p>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title={`Delete ${confirm ?? ''}?`}
        description="The model is removed from the Ollama server; pull it again to get it back."
        confirmLabel="Delete model"
        danger
        onOpenChange={(open) => !open && setConfirm(null)}
        onConfirm={() => confirm && void remove(confirm)}
      />
    </section>
  );
}
