import { randomBytes } from 'node:crypto';
import { expect, test, type Locator } from '@playwright/test';
import { startBearerApi } from './support/bearer-api';
import { connectBridge, openWithSession } from './support/bridge-client';
import { connectionsFlow } from './support/flow';
import { filesUnder, startHeadlessHost, type RunningHost } from './support/headless';

const canary = (label: string) => `canary-${label}-${randomBytes(10).toString('hex')}`;

test.describe('Connections in the headless host (Chromium)', () => {
  let host: RunningHost;
  test.beforeEach(async () => {
    host = await startHeadlessHost();
  });
  test.afterEach(async () => {
    await host?.stop();
  });

  test('add, test wrong then right, save, reload, replace, delete, undo, restore — and no secret leaks', async ({ page }, testInfo) => {
    const secrets = { wrong: canary('wrong'), good: canary('good'), rotated: canary('rotated') };
    const api = await startBearerApi([secrets.good, secrets.rotated]);
    const received: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (frame) => received.push(String(frame.payload))));
    try {
      await page.goto(host.url);
      await expect(page).toHaveURL(/\/$/); // the token left the address bar
      await connectionsFlow(page, testInfo, api.baseUrl, secrets);

      // The replaced secret is the one the broker now sends.
      expect(api.seen.at(-1)).toBe(`Bearer ${secrets.rotated}`);
      expect(received.length).toBeGreaterThan(10);
      const frames = received.join('\n');
      for (const s of Object.values(secrets)) expect(frames.includes(s), 'a secret crossed the bridge to the page').toBe(false);
      const files = filesUnder(host.dataDir);
      // The ciphertext is on disk (in the snapshot, or in its journal until the next compaction), and searched.
      expect(files.map((f) => f.path).some((p) => p.endsWith('secrets.json') || p.endsWith('secrets.journal'))).toBe(true);
      for (const f of files) for (const s of Object.values(secrets)) expect(f.text.includes(s), `plaintext secret in ${f.path}`).toBe(false);
    } finally {
      await api.close();
    }
  });

  test('a connection can be added and opened with the keyboard alone', async ({ page }) => {
    const secret = canary('keyboard');
    const api = await startBearerApi([secret]);
    try {
      await page.goto(host.url);
      await expect(page.getByRole('heading', { name: 'No connections yet' })).toBeVisible();
      const tabTo = async (target: Locator) => {
        for (let i = 0; i < 25 && !(await target.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
        await expect(target).toBeFocused();
      };
      await tabTo(page.getByRole('button', { name: 'Add your first connection' }));
      await page.keyboard.press('Enter');
      await expect(page.getByLabel('Search connection types')).toBeFocused();
      await page.keyboard.type('http');
      await tabTo(page.getByRole('button', { name: /^HTTP API/ }));
      await page.keyboard.press('Enter');

      const form = page.getByRole('dialog', { name: /New HTTP API connection/ });
      await expect(form.getByLabel(/^Name/)).toBeFocused();
      await page.keyboard.type('Keyboard API');
      await page.keyboard.press('Tab');
      await page.keyboard.type(api.baseUrl);
      await page.keyboard.press('Tab');
      await expect(form.getByLabel(/^Authentication/)).toBeFocused();
      await page.keyboard.press('ArrowDown');
      await expect(form.getByLabel(/^Authentication/)).toHaveValue('bearer');
      await page.keyboard.press('Tab');
      await expect(form.getByLabel(/^Token/)).toBeFocused();
      await page.keyboard.type(secret);
      await page.keyboard.press('Enter');
      await expect(form).toBeHidden();

      const rowButton = page.getByRole('button', { name: /Keyboard API/ });
      await rowButton.focus();
      await page.keyboard.press('Enter');
      const detail = page.getByRole('dialog', { name: /Keyboard API/ });
      await expect(detail).toBeVisible();
      await page.keyboard.press('Escape');
      await expect(detail).toBeHidden();
      await expect(rowButton).toBeFocused();
    } finally {
      await api.close();
    }
  });

  test('a page without the launch token, and a foreign origin, get nothing', async ({ page, request }) => {
    const origin = new URL(host.url).origin;
    const bare = await request.get(`${origin}/`);
    expect(bare.status()).toBe(401);
    const wrong = await request.get(`${origin}/?token=guess`);
    expect(wrong.status()).toBe(401);
    await page.goto(`${origin}/`);
    await expect(page.getByText('open the URL Latchkey printed')).toBeVisible();
  });

  test('shows 5,000 connections quickly (prints the time)', async ({ page }, testInfo) => {
    test.setTimeout(600_000);
    const bridge = await connectBridge(host.url);
    const createStarted = Date.now();
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(
        Array.from({ length: 250 }, (_, i) => {
          const k = batch * 250 + i;
          return bridge.call('connections:create', {
            providerId: 'http',
            name: `Service ${String(k).padStart(4, '0')}`,
            config: { baseUrl: `https://api${k}.example.com/`, authType: 'none' },
          });
        }),
      );
      expect(results.filter((r) => !r.ok)).toEqual([]);
    }
    const createMs = Date.now() - createStarted;
    bridge.close();

    const started = Date.now();
    await openWithSession(page, host.url, bridge.cookie);
    const list = page.getByRole('list', { name: 'Connections' });
    await expect(list.getByRole('listitem').first()).toContainText('Service 0000');
    await expect(page.getByText('5,000 connections')).toBeVisible();
    const wallMs = Date.now() - started;
    const sinceNavigationMs = await page.evaluate(() => performance.now());
    const rowsInDom = await list.getByRole('listitem').count();
    const listCallMs = await page.evaluate(async () => {
      const t = performance.now();
      await window.latchkey.connections.list();
      return performance.now() - t;
    });
    const line = `5,000 connections: list shown ${Math.round(sinceNavigationMs)} ms after navigation start (${wallMs} ms wall clock from page.goto, token exchange included); one connections:list round trip of 5,000 takes ${Math.round(listCallMs)} ms; ${rowsInDom} rows in the DOM; creating them over the bridge took ${createMs} ms`;
    process.stdout.write(`${line}\n`);
    await testInfo.attach('timing-5000.txt', { body: line, contentType: 'text/plain' });
    expect(rowsInDom).toBeLessThan(80);

    await list.getByRole('listitem').first().getByRole('button').focus();
    await page.keyboard.press('End');
    await expect(page.getByRole('button', { name: /Service 4999/ })).toBeFocused();
    await page.getByLabel('Search connections').fill('Service 4321');
    await expect(page.getByText('1 of 5,000 connections')).toBeVisible();
  });
});
