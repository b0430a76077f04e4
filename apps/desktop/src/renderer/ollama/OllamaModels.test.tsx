// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// eslint-disable-next-line no-restricted-imports -- a loopback Ollama for the real broker behind the API; never bundled
import { providerManifest, startAiServer, type AiServer } from '@latchkey/transports/testing';
import { createBrokerBackedApi } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { ConnectionsScreen } from '../connections/ConnectionsScreen';

afterEach(cleanup);
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 800 });
});

describe('Models on an Ollama connection', () => {
  let server: AiServer;
  beforeAll(async () => {
    // Three lines, then the server stays silent: the bar is seen mid-pull, then the pull cancelled.
    server = await startAiServer('ollama', { stallPullAfter: 3 });
  });
  afterAll(() => server.stop());

  async function open() {
    const h = createBrokerBackedApi();
    h.broker.providers.register(providerManifest('ai', 'ollama'), '@latchkey/ext-ai');
    await h.api.connections.create({ providerId: 'ollama', name: 'Local Ollama', config: { baseUrl: server.baseUrl }, secrets: {} });
    const user = userEvent.setup();
    renderWithApi(h.api, <ConnectionsScreen />);
    const list = await screen.findByRole('list', { name: 'Connections' });
    await user.click(await within(list).findByRole('button', { name: /Local Ollama/ }));
    return { h, user };
  }

  it('lists the models, shows a pull\'s progress bar, and cancels it', async () => {
    const { user } = await open();
    const models = await screen.findByRole('list', { name: 'Models' });
    await waitFor(() => expect(within(models).getAllByRole('listitem').map((li) => li.querySelector('.ollama-model-name')?.textContent)).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']));
    expect(models.textContent).toContain('3.2B · Q4_K_M · 2 GB');
    await user.type(screen.getByLabelText('Model'), 'mistral:7b');
    await user.click(screen.getByRole('button', { name: 'Pull' }));
    const bar = await screen.findByRole('progressbar', { name: 'Pulling mistral:7b' });
    await waitFor(() => expect((bar as HTMLProgressElement).value).toBeCloseTo(1_009_688_688 / 2_019_377_376, 3));
    expect(screen.getByText(/pulling 2af3b81862c6 · 50%/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Cancel pull' }));
    expect(await screen.findByText('Pull of mistral:7b cancelled')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('a page opened while a pull runs (a reload) shows that pull with its progress, can cancel it, and learns how it ended', async () => {
    const h = createBrokerBackedApi();
    h.broker.providers.register(providerManifest('ai', 'ollama'), '@latchkey/ext-ai');
    const { id } = await h.api.connections.create({ providerId: 'ollama', name: 'Local Ollama', config: { baseUrl: server.baseUrl }, secrets: {} });
    // The page that started it is gone: nobody here awaits this call.
    const started = h.api.ollama.pull({ id, model: 'phi3:mini' });
    await new Promise<void>((resolve) => h.broker.on('ollama:pullProgress', (p) => p.status.startsWith('pulling 2af') && resolve()));
    const user = userEvent.setup();
    renderWithApi(h.api, <ConnectionsScreen />);
    const list = await screen.findByRole('list', { name: 'Connections' });
    await user.click(await within(list).findByRole('button', { name: /Local Ollama/ }));
    const bar = await screen.findByRole('progressbar', { name: 'Pulling phi3:mini' });
    await waitFor(() => expect((bar as HTMLProgressElement).value).toBeCloseTo(0.5, 2));
    expect(screen.getByLabelText('Model')).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: 'Cancel pull' }));
    expect(await screen.findByText('Pull of phi3:mini cancelled')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(await started).toMatchObject({ outcome: 'cancelled' });
  });

  it('deletes a model only after the confirmation', async () => {
    const { user } = await open();
    const models = await screen.findByRole('list', { name: 'Models' });
    await user.click(await within(models).findByRole('button', { name: 'Delete qwen2.5-coder:7b' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(server.models).toContain('qwen2.5-coder:7b');
    await user.click(within(dialog).getByRole('button', { name: 'Delete model' }));
    expect(await screen.findByText('Deleted qwen2.5-coder:7b')).toBeTruthy();
    expect(server.models).not.toContain('qwen2.5-coder:7b');
    await waitFor(() => expect(within(models).queryByText('qwen2.5-coder:7b')).toBeNull());
  });

  it('is not shown on other connections', async () => {
    const asked = server.requests.length;
    const h = createBrokerBackedApi();
    await h.api.connections.create({ providerId: 'http', name: 'Plain API', config: { baseUrl: server.baseUrl, authType: 'none' }, secrets: {} });
    const user = userEvent.setup();
    renderWithApi(h.api, <ConnectionsScreen />);
    const list = await screen.findByRole('list', { name: 'Connections' });
    await user.click(await within(list).findByRole('button', { name: /Plain API/ }));
    await screen.findByRole('button', { name: 'Delete' });
    expect(screen.queryByRole('list', { name: 'Models' })).toBeNull();
    expect(server.requests.length).toBe(asked);
  });
});
