import { useMemo, useState, type ReactNode } from 'react';
import { Keyboard } from 'lucide-react';
import { CommandPalette } from './palette/CommandPalette';
import { ShortcutsDialog } from './palette/ShortcutsDialog';
import { useGlobalShortcuts } from './palette/useGlobalShortcuts';
import { AccessScreen } from './access/AccessScreen';
import { AuditScreen } from './audit/AuditScreen';
import { SystemBanner } from './ui/SystemBanner';
import { ConnectionsScreen } from './connections/ConnectionsScreen';
import { CommandPromptHost } from './consent/CommandPromptHost';
import { ConsentHost } from './consent/ConsentHost';
import { ExtensionsScreen } from './extensions/ExtensionsScreen';
import { KeysScreen } from './keys/KeysScreen';
import { VariablesScreen } from './variables/VariablesScreen';

import type { Section } from './palette/CommandPalette';

const SECTIONS: { id: Section; label: string; render: () => ReactNode }[] = [
  { id: 'connections', label: 'Connections', render: () => <ConnectionsScreen /> },
  { id: 'access', label: 'Access', render: () => <AccessScreen /> },
  { id: 'audit', label: 'Audit', render: () => <AuditScreen /> },
  { id: 'extensions', label: 'Extensions', render: () => <ExtensionsScreen /> },
  { id: 'keys', label: 'Keys', render: () => <KeysScreen /> },
  { id: 'variables', label: 'Variables', render: () => <VariablesScreen /> },
];

/** Settings: a left nav of sections, the chosen one on the right, the consent modal over all. */
export function App() {
  const [section, setSection] = useState<Section>('connections');
  const current = SECTIONS.find((s) => s.id === section)!;
  const [overlay, setOverlay] = useState<'palette' | 'shortcuts' | null>(null);
  useGlobalShortcuts(useMemo(() => ({ palette: () => setOverlay('palette'), shortcuts: () => setOverlay('shortcuts') }), []));
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <p className="brand">Latchkey</p>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.id}>
              <button type="button" aria-current={s.id === section ? 'page' : undefined} onClick={() => setSection(s.id)}>
                {s.label}
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="nav-shortcuts" onClick={() => setOverlay('shortcuts')}>
          <Keyboard size={14} aria-hidden="true" /> Shortcuts <kbd>?</kbd>
        </button>
      </nav>
      <main className="settings-main">
        <SystemBanner />
        {current.render()}
      </main>
      <CommandPalette open={overlay === 'palette'} onOpenChange={(open) => setOverlay(open ? 'palette' : null)} sections={SECTIONS} go={setSection} />
      <ShortcutsDialog open={overlay === 'shortcuts'} onOpenChange={(open) => setOverlay(open ? 'shortcuts' : null)} />
      <ConsentHost />
      <CommandPromptHost />
    </div>
  );
}
