// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiProvider } from '../api';
import { ConnectionsScreen } from '../connections/ConnectionsScreen';
import { claudeDesktopHome, filesIn, mcpProviders, readText } from '../test/agent-config-fixture';
import { createBrokerBackedApi } from '../test/broker-backed-api';

afterEach(cleanup);

const CANARY = `sk-canary-agentcfg-${Math.random().toString(36).slice(2)}`;

function setup(answer: boolean) {
  const { dir, file, text, files } = claudeDesktopHome({ mcpServers: { github: { command: 'npx', args: ['server-github'], env: { GITHUB_TOKEN: CANARY, LOG: 'debug' } } } });
  const asked: string[] = [];
  const h = createBrokerBackedApi({
    agentConfigs: files,
    commandApprover: { approve: async (r) => (asked.push(r.purpose?.title ?? ''), answer) },
  });
  for (const m of mcpProviders()) h.broker.providers.register(m, '@latchkey/ext-mcp');
  render(
    <ApiProvider api={h.api}>
      <ConnectionsScreen />
    </ApiProvider>,
  );
  return { ...h, dir, file, text, asked };
}

async function reviewFoundFile() {
  const user = userEvent.setup();
  await user.click(await screen.findByRole('button', { name: 'Import from agent configs…' }));
  const dialog = await screen.findByRole('dialog', { name: 'Import from agent configs' });
  const found = await within(dialog).findByRole('radio', { name: /Claude Desktop/ });
  expect((found as HTMLInputElement).checked).toBe(true);
  await user.click(within(dialog).getByRole('button', { name: 'Review changes' }));
  const change = await within(dialog).findByTestId('agent-config-change');
  return { user, dialog, change };
}

describe('Import from agent configs', () => {
  it('finds Claude Desktop’s config, shows the change with the value masked, and moves it once the person confirms', async () => {
    const t = setup(true);
    const { user, dialog, change } = await reviewFoundFile();
    expect(change.textContent).toContain('environment variable GITHUB_TOKEN moves into the new connection “github (imported from claude_desktop_config.json)”');
    expect(change.textContent).toContain('mcp-proxy');
    expect(document.body.innerHTML).not.toContain(CANARY);

    await user.click(within(dialog).getByRole('button', { name: 'Move 1 secret' }));
    expect((await within(dialog).findByRole('status')).textContent).toContain('now starts its servers through latchkey mcp-proxy');
    const backup = within(dialog).getByTestId('agent-config-backup').textContent!;
    expect(readText(backup)).toBe(t.text);
    expect(readText(t.file)).not.toContain(CANARY);
    expect(t.asked[0]).toContain(t.file);
    const [created] = await t.api.connections.list({ providerId: 'mcp' });
    expect(created).toMatchObject({ name: 'github (imported from claude_desktop_config.json)', secretFields: { env: 'set' } });
    expect(document.body.innerHTML).not.toContain(CANARY);
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('not confirmed: says so, and the file and connections are unchanged', async () => {
    const t = setup(false);
    const { user, dialog } = await reviewFoundFile();
    await user.click(within(dialog).getByRole('button', { name: 'Move 1 secret' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('You did not confirm the move, so the file and your connections are unchanged.');
    expect(readText(t.file)).toBe(t.text);
    expect(filesIn(t.dir)).toEqual(['claude_desktop_config.json']);
    expect(await t.api.connections.list({ providerId: 'mcp' })).toEqual([]);
  });

  it('a typed relative path is refused with the reason, before anything is read', async () => {
    setup(true);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Import from agent configs…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import from agent configs' });
    await user.type(within(dialog).getByLabelText(/Or the full path of another config/), '.mcp.json');
    await user.click(within(dialog).getByRole('button', { name: 'Review changes' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain("Type the file's full path");
  });
});
