import { useEffect, useState } from 'react';
import type { StoreGeneration, StoreProblem } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorMessage } from './errors';

const fileName = (path: string) => path.split(/[\\/]/).pop() ?? path;

function describe(g: StoreGeneration): string {
  const when = new Date(g.savedAt).toLocaleString();
  const held =
    g.file === 'connections.json'
      ? `${g.counts.connections} connection${g.counts.connections === 1 ? '' : 's'} and ${g.counts.grants} grant${g.counts.grants === 1 ? '' : 's'}`
      : `${g.counts.secrets} stored secret${g.counts.secrets === 1 ? '' : 's'}`;
  const parts = [`The last good version, saved ${when}, holds ${held}.`];
  if (g.added.length) parts.push(`Restoring brings back ${g.file === 'secrets.json' ? 'the secrets of ' : ''}${g.added.join(', ')}${g.truncated ? ', …' : ''}.`);
  if (g.removed.length) parts.push(`It removes ${g.removed.join(', ')}${g.truncated ? ', …' : ''} (saved since).`);
  return parts.join(' ');
}

/** Under a damaged-file banner: offers the file's last good generation, says what differs, restores it. */
export function StoreRestoreAction({ problem }: { problem: StoreProblem }) {
  const api = useApi();
  const [generation, setGeneration] = useState<StoreGeneration | null>(null);
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  useEffect(() => {
    let live = true;
    api
      .store.generations()
      .then(
        ({ generations }) => live && setGeneration(generations.find((g) => g.file === fileName(problem.file)) ?? null),
        () => undefined, // no generation to offer; the banner above still says what happened
      );
    return () => {
      live = false;
    };
  }, [api, problem.file]);

  if (!generation) return null;
  const restore = () => {
    setState({ busy: true, error: null });
    // On success the broker pushes a new status without this problem, and the banner goes away.
    api
      .store.restore({ file: generation.file })
      .then(
        () => setState({ busy: false, error: null }),
        (e: unknown) => setState({ busy: false, error: errorMessage(e) }),
      );
  };
  return (
    <p className="banner-action">
      {describe(generation)}{' '}
      <button type="button" onClick={restore} disabled={state.busy}>
        {state.busy ? 'Restoring…' : `Restore ${generation.file}`}
      </button>
      {state.error && <span role="status"> {state.error}</span>}
    </p>
  );
}
