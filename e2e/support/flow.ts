import { writeFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, type TestInfo } from '@playwright/test';

export interface FlowSecrets {
  wrong: string;
  good: string;
  rotated: string;
}

/** Axe on the current page: no serious or critical findings. */
export async function expectNoSeriousA11yFindings(page: Page, testInfo: TestInfo, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const path = testInfo.outputPath(`axe-${label}.json`);
  writeFileSync(path, JSON.stringify(results.violations, null, 2));
  await testInfo.attach(`axe-${label}.json`, { path, contentType: 'application/json' });
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `axe on ${label}`).toEqual([]);
}

export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Neither the page's HTML, its text, nor any input's current value holds a secret. */
export async function expectNoSecretInDom(page: Page, secrets: string[]): Promise<void> {
  const dom = await page.evaluate(() => {
    const values = [...document.querySelectorAll('input, textarea, select')].map((e) => (e as HTMLInputElement).value);
    return [document.documentElement.outerHTML, document.body.innerText, ...values].join('\n');
  });
  for (const secret of secrets) expect(dom.includes(secret), 'a secret reached the DOM').toBe(false);
}

/**
 * The issue-3 flow, as a person does it: add an HTTP API connection, test it with a wrong
 * token, fix it, test again, save, reload, replace the secret, delete, undo, delete again and
 * restore from Trash.
 */
export async function connectionsFlow(page: Page, testInfo: TestInfo, baseUrl: string, secrets: FlowSecrets): Promise<void> {
  const all = [secrets.wrong, secrets.good, secrets.rotated];
  await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No connections yet' })).toBeVisible();
  await expectNoSeriousA11yFindings(page, testInfo, 'empty-list');

  await page.getByRole('button', { name: 'Add your first connection' }).click();
  const picker = page.getByRole('dialog', { name: 'Add a connection' });
  await expect(picker.getByRole('heading', { name: 'HTTP APIs' })).toBeVisible();
  await expectNoSeriousA11yFindings(page, testInfo, 'provider-picker');
  await picker.getByLabel('Search connection types').fill('http');
  await picker.getByRole('button', { name: /HTTP API/ }).click();

  const form = page.getByRole('dialog', { name: /New HTTP API connection/ });
  await form.getByLabel(/^Name/).fill('Billing API');
  await form.getByLabel(/^Base URL/).fill(baseUrl);
  await form.getByLabel(/^Authentication/).selectOption('bearer');
  const token = form.getByLabel(/^Token/);
  await expect(token).toHaveAttribute('type', 'password');
  await token.fill(secrets.wrong);
  await form.getByRole('button', { name: 'Test connection' }).click();
  const result = form.getByRole('status');
  await expect(result).toHaveText('✗ Authentication failed: 401 Unauthorized');
  await screenshot(page, testInfo, 'form-test-failed');
  await expectNoSeriousA11yFindings(page, testInfo, 'form');

  await token.fill(secrets.good);
  await form.getByRole('button', { name: 'Test connection' }).click();
  await expect(result).toHaveText(/^✓ Connected \(\d+ ms\)$/);
  await screenshot(page, testInfo, 'form-test-succeeded');

  await form.getByRole('button', { name: 'Save connection' }).click();
  await expect(form).toBeHidden();
  const list = page.getByRole('list', { name: 'Connections' });
  const row = list.getByRole('listitem').filter({ hasText: 'Billing API' });
  await expect(row).toContainText(`HTTP API · ${baseUrl}`);
  await expectNoSecretInDom(page, all);

  await page.reload();
  await expect(row).toBeVisible();
  // Saved exactly as tested: the draft's result is stored with it.
  await expect(row).toContainText('Working');
  await screenshot(page, testInfo, 'list');
  await expectNoSeriousA11yFindings(page, testInfo, 'list');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, 'list-dark');
  await expectNoSeriousA11yFindings(page, testInfo, 'list-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await row.getByRole('button').click();
  const detail = page.getByRole('dialog', { name: /Billing API/ });
  await expect(detail.getByRole('img', { name: 'Token is saved' })).toHaveText('••••••••');
  await expectNoSecretInDom(page, all);
  await detail.getByRole('button', { name: 'Test connection' }).click();
  await expect(detail.getByRole('status')).toHaveText(/^✓ Connected \(\d+ ms\)$/);
  await detail.getByRole('button', { name: 'Replace' }).click();
  await detail.getByLabel(/^Token/).fill(secrets.rotated);
  await detail.getByRole('button', { name: 'Save changes' }).click();
  await expect(detail).toBeHidden();
  // A new secret is unproven until tested again.
  await expect(row).toContainText('Not tested');

  await row.getByRole('button').click();
  await expect(detail.getByRole('img', { name: 'Token is saved' })).toBeVisible();
  await detail.getByRole('button', { name: 'Test connection' }).click();
  await expect(detail.getByRole('status')).toHaveText(/^✓ Connected \(\d+ ms\)$/);
  await screenshot(page, testInfo, 'detail-test-result');
  await detail.getByRole('button', { name: 'Cancel' }).click();
  await expect(row).toContainText('Working');
  await expect(row).toContainText(/Last tested (just now|1 m ago)/);

  await row.getByRole('button').click();
  await detail.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete “Billing API”?' });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expectNoSeriousA11yFindings(page, testInfo, 'delete-confirm');
  await confirm.getByRole('button', { name: 'Move to Trash' }).click();
  await expect(page.getByText('Moved “Billing API” to Trash.')).toBeVisible();
  await expect(row).toBeHidden();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(row).toBeVisible();

  await row.getByRole('button').click();
  await detail.getByRole('button', { name: 'Delete' }).click();
  await confirm.getByRole('button', { name: 'Move to Trash' }).click();
  await expect(row).toBeHidden();
  await page.getByRole('button', { name: 'Trash (1)' }).click();
  await page.getByRole('button', { name: 'Restore Billing API' }).click();
  await expect(page.getByText('Restored “Billing API”.')).toBeVisible();
  await page.getByRole('button', { name: 'Back to connections' }).click();
  await expect(row).toBeVisible();
  await expectNoSecretInDom(page, all);
}
