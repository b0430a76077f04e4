import { useState, type ReactNode } from 'react';
import { AccessScreen } from './access/AccessScreen';
import { AuditScreen } from './audit/AuditScreen';
import { SystemBanner } from './ui/SystemBanner';
import { ConnectionsScreen } from './connections/ConnectionsScreen';
import { CommandPromptHost } from './consent/CommandPromptHost';
import { ConsentHost } from './consent/ConsentHost';
import { ExtensionsScreen } from './extensions/ExtensionsScreen';
import { KeysScreen } from './keys/KeysScreen';
import { VariablesScreen } from './variables/VariablesScreen';

type Section = 'connections' | 'access' | 'audit' | 'extensions' | 'keys' | 'variables';

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
      </nav>
      <main className="settings-main">
        <SystemBanner />
        {current.render()}
      </main>
      <ConsentHost />
      <CommandPromptHost />
    </div>
  );
}
