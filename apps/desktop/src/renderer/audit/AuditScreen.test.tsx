// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AuditEvent, ConsentDecision, Requester } from '@latchkey/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBrokerBackedApi, createGitHubConnection, GITHUB_EXTENSION } from '../test/broker-backed-api.js';
import { renderWithApi } from '../test/render-with-api';
import { AuditScreen } from './AuditScreen.js';
import { CSV_COLUMNS } from './export.js';

const AGENT: Requester = { kind: 'agent', id: 'agent.triage', displayName: 'Issue triage' };

/** Files the page "downloads": the object URLs it creates, read back as text. */
let downloads: { name: string; text: () => Promise<string> }[] = [];
/** jsdom's Blob has no text(); FileReader reads it as a browser would. */
const readBlob = (blob: Blob) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
beforeEach(() => {
  downloads = [];
  const blobs = new Map<string, Blob>();
  // jsdom has no object URLs; these stand in for the browser's.
  URL.createObjectURL = (blob: Blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, blob);
    return url;
  };
  URL.revokeObjectURL = () => undefined;
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    const blob = blobs.get(this.getAttribute('href')!)!;
    downloads.push({ name: this.download, text: () => readBlob(blob) });
  });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  Reflect.deleteProperty(URL, 'createObjectURL');
  Reflect.deleteProperty(URL, 'revokeObjectURL');
});

/**
 * Two connections, then: GitHub allowed once on "Work GitHub", the triage agent denied on
 * "Personal GitHub". Every event comes from the broker's own services.
 */
async function setup() {
  const h = createBrokerBackedApi();
  const answers: ConsentDecision[] = [{ decision: 'once' }, { decision: 'deny' }];
  h.api.on('consent:prompt', (p) => void h.api.consent.respond({ promptId: p.promptId, response: answers.shift() ?? { decision: 'deny' } }));
  const work = await createGitHubConnection(h.api, 'Work GitHub');
  const personal = await createGitHubConnection(h.api, 'Personal GitHub');
  await h.extensionClient(GITHUB_EXTENSION).secrets.requestAccess({ connectionId: work.id, reason: 'List repositories', scopes: ['http.fetch'] });
  await h.extensionClient(AGENT).secrets.requestAccess({ connectionId: personal.id, reason: 'Read issues', scopes: ['http.fetch'] });
  const all = (await h.api.audit.list({ limit: 1000 })).events;
  return { ...h, work, personal, all };
}

const bodyRows = () => within(screen.getByRole('table', { name: 'Audit events' })).getAllByRole('row').slice(1);
const seqs = () => bodyRows().map((r) => Number(r.dataset.seq));

describe('AuditScreen', () => {
  it('shows the newest events first and the chain verification', async () => {
    const h = await setup();
    renderWithApi(h.api, <AuditScreen />);

    await waitFor(() => expect(seqs()).toEqual(h.all.map((e) => e.seq)));
    expect(seqs()[0]).toBeGreaterThan(seqs()[1]!);
    expect(screen.getByTestId('audit-summary').textContent).toBe(`${h.all.length} matching events · page 1`);
    await waitFor(() => expect(screen.getByTestId('audit-verification').textContent).toContain(`Verified: ${h.all.length} events, no gaps`));
    const grant = bodyRows().find((r) => r.dataset.type === 'access.grant')!;
    expect(within(grant).getAllByRole('cell').map((c) => c.textContent).slice(2, 7)).toEqual([
      'Access granted',
      'ok',
      'Extension GitHub (github)',
      'Work GitHub',
      'http.fetch',
    ]);
    expect(document.body.innerHTML).not.toContain('ghp_canary');
  });

  it('says where the chain breaks when a line was altered', async () => {
    const h = await setup();
    const line = h.mem.audit.lines_[3]!;
    line.text = line.text.replace('"ok"', '"denied"');
    // Verify is incremental (lines already checked are not read again): the edit shows from the next start.
    const restarted = createBrokerBackedApi({ ...h.mem, cipher: h.ports.cipher });
    renderWithApi(restarted.api, <AuditScreen />);
    const verification = await screen.findByText(/^Chain broken at event /);
    expect(verification.textContent).toBe(`Chain broken at event 3 in memory.jsonl: ${(await restarted.api.audit.verify()).brokenAt?.reason}`);
    expect(verification.className).toBe('data-screen-broken');
    // …and the startup check says so on its own, with what it found.
    const found = await screen.findByTestId('audit-integrity');
    expect(found.getAttribute('role')).toBe('alert');
    expect(found.textContent).toMatch(/changed outside Latchkey.*event 3 was altered/);
  });

  it('filters by connection, requester, event type and time', async () => {
    const h = await setup();
    renderWithApi(h.api, <AuditScreen />);
    await waitFor(() => expect(bodyRows()).toHaveLength(h.all.length));
    const filters = screen.getByRole('form', { name: 'Audit filters' });
    const apply = () => userEvent.click(within(filters).getByRole('button', { name: 'Apply filters' }));

    await userEvent.selectOptions(within(filters).getByRole('combobox', { name: 'Connection' }), 'Personal GitHub');
    await apply();
    const personalSeqs = h.all.filter((e) => e.connectionId === h.personal.id).map((e) => e.seq);
    await waitFor(() => expect(seqs()).toEqual(personalSeqs));
    expect(h.callsTo('audit:list').at(-1)).toEqual({ connectionId: h.personal.id, limit: 50 });

    await userEvent.selectOptions(within(filters).getByRole('combobox', { name: 'Event type' }), 'Access denied');
    await apply();
    await waitFor(() => expect(bodyRows().map((r) => r.dataset.type)).toEqual(['access.deny']));

    await userEvent.click(within(filters).getByRole('button', { name: 'Clear' }));
    await userEvent.type(within(filters).getByRole('combobox', { name: 'Requester id' }), 'github');
    await apply();
    const githubSeqs = h.all.filter((e) => e.requester?.id === 'github').map((e) => e.seq);
    await waitFor(() => expect(seqs()).toEqual(githubSeqs));
    expect(githubSeqs.length).toBeGreaterThan(1);

    await userEvent.click(within(filters).getByRole('button', { name: 'Clear' }));
    await userEvent.type(within(filters).getByLabelText('From'), '2099-01-01T00:00');
    await apply();
    await screen.findByText('No events match these filters.');
    expect(h.callsTo('audit:list').at(-1)).toEqual({ from: new Date('2099-01-01T00:00').toISOString(), limit: 50 });
  });

  it('pages to older events with the before cursor and back', async () => {
    const h = await setup();
    expect(h.all.length).toBeGreaterThan(6);
    renderWithApi(h.api, <AuditScreen pageSize={3} />);
    const newest = h.all.slice(0, 3).map((e) => e.seq);
    await waitFor(() => expect(seqs()).toEqual(newest));
    expect(screen.getByRole('button', { name: 'Newer' })).toHaveProperty('disabled', true);

    await userEvent.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(seqs()).toEqual(h.all.slice(3, 6).map((e) => e.seq)));
    expect(h.callsTo('audit:list').at(-1)).toEqual({ before: newest[2], limit: 3 });
    expect(screen.getByTestId('audit-summary').textContent).toBe(`${h.all.length} matching events · page 2`);

    await userEvent.click(screen.getByRole('button', { name: 'Newer' }));
    await waitFor(() => expect(seqs()).toEqual(newest));
  });

  it('exports every matching event as JSON and CSV, not just the page on screen', async () => {
    const h = await setup();
    renderWithApi(h.api, <AuditScreen pageSize={2} />);
    await waitFor(() => expect(bodyRows()).toHaveLength(2));

    await userEvent.click(screen.getByRole('button', { name: 'Export JSON' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(downloads[0]!.name).toMatch(/^latchkey-audit-.*\.json$/);
    const json = JSON.parse(await downloads[0]!.text()) as { events: AuditEvent[] };
    expect(json.events).toEqual(h.all);

    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    await waitFor(() => expect(downloads).toHaveLength(2));
    expect(downloads[1]!.name).toMatch(/^latchkey-audit-.*\.csv$/);
    const csv = await downloads[1]!.text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(h.all.length + 1);
    const deny = lines.find((l) => l.includes(',access.deny,'))!;
    expect(deny).toContain(',denied,agent,agent.triage,Issue triage,');
    expect(deny).toContain(',Personal GitHub,http.fetch,');
    for (const text of [csv, JSON.stringify(json)]) expect(text).not.toContain('ghp_canary');
  });

  it('exports only what the filters match', async () => {
    const h = await setup();
    renderWithApi(h.api, <AuditScreen />);
    await waitFor(() => expect(bodyRows()).toHaveLength(h.all.length));
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Event type' }), 'Access requested');
    await userEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(bodyRows()).toHaveLength(2));
    await userEvent.click(screen.getByRole('button', { name: 'Export JSON' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    const json = JSON.parse(await downloads[0]!.text()) as { events: AuditEvent[] };
    expect(json.events.map((e) => e.type)).toEqual(['access.request', 'access.request']);
  });
});
