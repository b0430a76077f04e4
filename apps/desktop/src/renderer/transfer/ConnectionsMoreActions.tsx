import { useState } from 'react';
import type { Connection } from '@latchkey/contracts';
import { Bot, Download, FlaskConical, Upload, X } from 'lucide-react';
import { AgentConfigImportDialog } from '../agent-configs/AgentConfigImportDialog';
import { useApi } from '../api';
import { useAppCommands } from '../palette/app-commands';
import { ExportDialog } from './ExportDialog';
import { ImportDialog } from './ImportDialog';
import { useTestAll } from './useTestAll';

/** Test all, Import, Export and Import from agent configs, in a row of their own under the header (the header stays narrow enough for 800 px). */
export function ConnectionsMoreActions({ connections, onNotice, reload }: { connections: Connection[]; onNotice(message: string): void; reload(): Promise<unknown> }) {
  const api = useApi();
  const [dialog, setDialog] = useState<'import' | 'export' | 'agent-configs' | null>(null);
  const testAll = useTestAll(api, reload);
  const s = testAll.state;
  useAppCommands(['import', 'export', 'test-all'], (command) => {
    if (command.type === 'test-all') {
      if (!testAll.state?.running && connections.length) void testAll.run(connections);
    } else setDialog(command.type === 'import' ? 'import' : 'export');
  });
  return (
    <>
      <div className="list-actions">
        <button type="button" className="icon-button" disabled={connections.length === 0 || s?.running} onClick={() => void testAll.run(connections)}>
          <FlaskConical size={16} aria-hidden="true" />
          Test all
        </button>
        <button type="button" className="icon-button" onClick={() => setDialog('import')}>
          <Upload size={16} aria-hidden="true" />
          Import…
        </button>
        <button type="button" className="icon-button" disabled={connections.length === 0} onClick={() => setDialog('export')}>
          <Download size={16} aria-hidden="true" />
          Export…
        </button>
        <button type="button" className="icon-button" onClick={() => setDialog('agent-configs')}>
          <Bot size={16} aria-hidden="true" />
          Import from agent configs…
        </button>
      </div>
      {s && (
        <div className={`test-all-summary${s.failures.length ? ' has-failures' : ''}`} role="status" data-testid="test-all-summary">
          <p>
            {s.running
              ? `Testing… ${s.done} of ${s.total}`
              : `Tested ${s.total}: ${s.passed} working${s.failures.length ? `, ${s.failures.length} failing` : ''}.`}
          </p>
          {s.failures.length > 0 && (
            <ul>
              {s.failures.map((f) => (
                <li key={f.name}>
                  <strong>{f.name}</strong>: {f.message}
                </li>
              ))}
            </ul>
          )}
          {!s.running && (
            <button type="button" className="icon-button" aria-label="Close the test summary" onClick={testAll.clear}>
              <X size={16} aria-hidden="true" />
            </button>
          )}
        </div>
      )}
      <ImportDialog open={dialog === 'import'} onOpenChange={(open) => setDialog(open ? 'import' : null)} onDone={(m) => (onNotice(m), void reload())} />
      <AgentConfigImportDialog open={dialog === 'agent-configs'} onOpenChange={(open) => setDialog(open ? 'agent-configs' : null)} onDone={() => void reload()} />
      <ExportDialog open={dialog === 'export'} onOpenChange={(open) => setDialog(open ? 'export' : null)} onDone={onNotice} />
    </>
  );
}
