/**
 * AI provider connections in the UI against loopback stand-ins for the model-list endpoints
 * (OpenAI, Anthropic and Ollama have no offline server; the stand-ins answer with their
 * documented response shapes and check the credentials they are sent).
 * Ollama: no secret, tested, its models reach the test result. OpenAI: two connections with an
 * API key canary, one tested, the second made the default from the list. The key must never be
 * in the DOM, in a frame the page receives, or in plaintext in a file under the data folder.
 */
import { randomBytes } from 'node:crypto';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { startAiServer, type AiServer } from '@latchkey/transports/testing';
import { expectNoSecretInDom, screenshot } from './support/flow';
import { filesUnder, startHeadlessHost, type RunningHost } from './support/headless';

const OLLAMA_MODELS = ['llama3.2:latest', 'qwen2.5-coder:7b'];
const OPENAI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'];

/** Every WebSocket frame the page receives, as text. */
function recordReceivedFrames(page: Page): string[] {
  const received: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8'))));
  return received;
}

async function pickProvider(page: Page, search: string, name: RegExp) {
  const add = page.getByRole('button', { name: /^Add (your first )?connection$/ }).first();
  await add.click();
  const picker = page.getByRole('dialog', { name: 'Add a connection' });
  await picker.getByLabel('Search connection types').fill(search);
  await picker.getByRole('button', { name }).click();
}

const rowOf = (page: Page, name: string) => page.getByRole('list', { name: 'Connections' }).getByRole('listitem').filter({ hasText: name });

async function recordLatency(testInfo: TestInfo, label: string, text: string) {
  const line = `${label}: ${/\((\d+) ms\)/.exec(text)?.[1]} ms shown in the UI`;
  process.stdout.write(`${line}\n`);
  await testInfo.attach(`${label.replace(/\W+/g, '-').toLowerCase()}-latency.txt`, { body: line, contentType: 'text/plain' });
}

test.describe('AI provider connections against loopback stand-ins (Chromium)', () => {
  test.describe.configure({ timeout: 60_000 });

  let host: RunningHost | undefined;
  let ollama: AiServer | undefined;
  let openai: AiServer | undefined;
  const apiKey = `sk-canary-${randomBytes(16).toString('hex')}`;

  test.beforeEach(async () => {
    [host, ollama, openai] = await Promise.all([startHeadlessHost(), startAiServer('ollama'), startAiServer('openai', { apiKey, models: OPENAI_MODELS })]);
  });
  test.afterEach(async () => {
    await host?.stop();
    await ollama?.stop();
    await openai?.stop();
  });

  test('Ollama without a secret, two OpenAI connections with a key, the default moves — no key leaks', async ({ page }, testInfo) => {
    const received = recordReceivedFrames(page);
    await page.goto(host!.url);
    await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();

    // --- Ollama: base URL only, no secret field at all.
    await pickProvider(page, 'ollama', /Ollama/);
    const ollamaForm = page.getByRole('dialog', { name: /New Ollama connection/ });
    await expect(ollamaForm.locator('input[type="password"]')).toHaveCount(0);
    await ollamaForm.getByLabel(/^Name/).fill('Local models');
    await ollamaForm.getByLabel(/^Base URL/).fill(ollama!.baseUrl);
    await ollamaForm.getByRole('button', { name: 'Test connection' }).click();
    await expect(ollamaForm.getByRole('status')).toHaveText(/^✓ Connected \(\d+ ms\)$/);
    await screenshot(page, testInfo, 'ollama-form-connected');
    await recordLatency(testInfo, 'Ollama (new connection form)', (await ollamaForm.getByRole('status').textContent()) ?? '');
    expect(ollama!.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /api/tags');
    await ollamaForm.getByRole('button', { name: 'Save connection' }).click();
    await expect(ollamaForm).toBeHidden();
    const ollamaRow = rowOf(page, 'Local models');
    await expect(ollamaRow).toContainText(`Ollama · ${ollama!.baseUrl}`);

    // Test the saved Ollama connection from its detail pane.
    await ollamaRow.getByRole('button').click();
    const ollamaDetail = page.getByRole('dialog', { name: /Local models/ });
    await ollamaDetail.getByRole('button', { name: 'Test connection' }).click();
    await expect(ollamaDetail.getByRole('status')).toHaveText(/^✓ Connected \(\d+ ms\)$/);
    await screenshot(page, testInfo, 'ollama-detail-connected');
    // The broker's test result carries the models the server listed (details.models) ...
    const stored = await page.evaluate(async () => (await window.latchkey.connections.list({ deleted: false })).find((c) => c.providerId === 'ollama')?.lastTest?.details);
    expect(stored).toEqual({ models: OLLAMA_MODELS });
    // ... and the detail pane shows them.
    await expect(ollamaDetail.getByRole('definition')).toHaveText(OLLAMA_MODELS.join(', '));
    await ollamaDetail.getByRole('button', { name: 'Cancel' }).click();
    await expect(ollamaDetail).toBeHidden();
    await expect(ollamaRow.locator('.badge.status-ok')).toHaveText('Working');

    // --- OpenAI: two connections with the API key; the first one made becomes the default.
    for (const name of ['OpenAI main', 'OpenAI batch']) {
      await pickProvider(page, 'openai', /OpenAI/);
      const form = page.getByRole('dialog', { name: /New OpenAI connection/ });
      await form.getByLabel(/^Name/).fill(name);
      const key = form.getByLabel(/^API key/);
      await expect(key).toHaveAttribute('type', 'password');
      await key.fill(apiKey);
      await form.getByLabel(/^Base URL/).fill(openai!.baseUrl);
      if (name === 'OpenAI main') {
        await form.getByRole('button', { name: 'Test connection' }).click();
        await expect(form.getByRole('status')).toHaveText(/^✓ Connected \(\d+ ms\)$/);
        await screenshot(page, testInfo, 'openai-form-connected');
        await recordLatency(testInfo, 'OpenAI (new connection form)', (await form.getByRole('status').textContent()) ?? '');
        // The stand-in only answers 200 to the right key: the broker injected it.
        const seen = openai!.requests.filter((r) => r.path === '/v1/models');
        expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${apiKey}`);
      }
      await form.getByRole('button', { name: 'Save connection' }).click();
      await expect(form).toBeHidden();
    }
    const main = rowOf(page, 'OpenAI main');
    const batch = rowOf(page, 'OpenAI batch');
    await expect(main).toContainText(`OpenAI · ${openai!.baseUrl}`);
    await expect(batch).toContainText(`OpenAI · ${openai!.baseUrl}`);
    const defaultBadge = (row: ReturnType<typeof rowOf>) => row.locator('.badge-default');
    await expect(defaultBadge(main)).toHaveText('Default');
    await expect(defaultBadge(batch)).toHaveCount(0);
    // Ollama's only connection: "Default" would say nothing there, so it is not shown.
    await expect(defaultBadge(ollamaRow)).toHaveCount(0);

    // Make the second the default: open it from the list, Set as default.
    await batch.getByRole('button').click();
    const batchDetail = page.getByRole('dialog', { name: /OpenAI batch/ });
    await expect(batchDetail.getByRole('img', { name: 'API key is saved' })).toHaveText('••••••••');
    await batchDetail.getByRole('button', { name: 'Set as default' }).click();
    await expect(page.getByText('“OpenAI batch” is now the default OpenAI connection.')).toBeVisible();
    await expect(batchDetail).toContainText('OpenAI · Default connection');
    await expect(batchDetail.getByRole('button', { name: 'Set as default' })).toHaveCount(0);
    await batchDetail.getByRole('button', { name: 'Cancel' }).click();
    await expect(batchDetail).toBeHidden();
    await expect(defaultBadge(batch)).toHaveText('Default');
    await expect(defaultBadge(main)).toHaveCount(0);
    // One default per provider: Ollama's (its only connection, so unmarked) is untouched.
    await expect(defaultBadge(ollamaRow)).toHaveCount(0);
    await screenshot(page, testInfo, 'ai-list-default-moved');

    // It holds after a reload (it is the broker's state, not the page's).
    await page.reload();
    await expect(defaultBadge(batch)).toHaveText('Default');
    await expect(defaultBadge(main)).toHaveCount(0);

    // Leak checks: the page, every frame it received, every file under the data folder.
    await expectNoSecretInDom(page, [apiKey]);
    const frames = received.join('\n');
    expect(frames).toContain(openai!.baseUrl); // the recording works: the saved config came through
    expect(frames.includes(apiKey), 'the API key crossed the bridge to the page').toBe(false);
    const files = filesUnder(host!.dataDir);
    // The ciphertext is on disk (in the snapshot, or in its journal until the next compaction), and searched.
    expect(files.map((f) => f.path).some((p) => p.endsWith('secrets.json') || p.endsWith('secrets.journal'))).toBe(true);
    for (const f of files) expect(f.text.includes(apiKey), `plaintext API key in ${f.path}`).toBe(false);
  });
});
