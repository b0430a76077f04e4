/**
 * CI: no app running, the job holds LATCHKEY_MASTER_KEY. The CLI opens the store itself (the
 * real headless composition, no page, no socket), the value reaches the child, its output is
 * masked, and the audit log names the CLI. Without the key nothing opens.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appChannels, createDispatcher } from '@latchkey/contracts';
import { createHeadlessHost } from '@latchkey/headless';
import { afterEach, describe, expect, it } from 'vitest';
import { canaryForms, runCli } from './test-support.js';

const app = { requester: { kind: 'app' as const, id: 'setup', displayName: 'Setup' } };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('latchkey with no app running (CI, LATCHKEY_MASTER_KEY)', () => {
  it('run opens the store itself, injects the value, masks it, and the audit names the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lkci-'));
    dirs.push(dir);
    const key = randomBytes(32).toString('base64');
    const secret = `ci-canary-${randomBytes(8).toString('hex')}`;
    const setup = await createHeadlessHost({ dataDir: dir, env: { LATCHKEY_MASTER_KEY: key }, bridge: false, requesterSocket: false, announceCommandCode: () => undefined });
    const created = await createDispatcher(appChannels, setup.broker.app)('connections:create', { providerId: 'http', name: 'CI API', config: { baseUrl: 'http://127.0.0.1:9', authType: 'bearer' }, secrets: { token: secret } }, app);
    if (!created.ok) throw new Error(created.error.message);
    const id = (created.value as { id: string }).id;
    await setup.close();

    const noKey = await runCli(['--data-dir', dir, 'conn', 'ls']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('LATCHKEY_MASTER_KEY');

    const r = await runCli(['--data-dir', dir, 'run', '--env', `TOKEN=conn:${id}.token`, '--', process.execPath, '-e', 'console.log("got " + process.env.TOKEN.length + " " + process.env.TOKEN)'], { LATCHKEY_MASTER_KEY: key });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`got ${secret.length} ••••\n`);
    for (const f of canaryForms(secret)) expect(r.stdout + r.stderr).not.toContain(f);

    const after = await createHeadlessHost({ dataDir: dir, env: { LATCHKEY_MASTER_KEY: key }, bridge: false, requesterSocket: false, announceCommandCode: () => undefined });
    try {
      const page = await createDispatcher(appChannels, after.broker.app)('audit:list', { connectionId: id }, app);
      if (!page.ok) throw new Error(page.error.message);
      const events = (page.value as { events: { type: string; requester?: { kind: string; displayName: string } }[] }).events;
      const reveal = events.find((e) => e.type === 'secret.reveal' || e.type.includes('reveal'));
      expect(reveal?.requester).toMatchObject({ kind: 'program', displayName: expect.stringContaining('latchkey CLI, no app running') });
    } finally {
      await after.close();
    }
  });

  it('run --env NAME=var:<key> reveals a secret variable once, masked, audited as the CLI with its grant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lkci-'));
    dirs.push(dir);
    const key = randomBytes(32).toString('base64');
    const secret = `ci-var-canary-${randomBytes(8).toString('hex')}`;
    const setup = await createHeadlessHost({ dataDir: dir, env: { LATCHKEY_MASTER_KEY: key }, bridge: false, requesterSocket: false, announceCommandCode: () => undefined });
    const saved = await createDispatcher(appChannels, setup.broker.app)('variables:set', { key: 'DEPLOY_TOKEN', value: secret, secret: true }, app);
    if (!saved.ok) throw new Error(saved.error.message);
    await setup.close();

    const r = await runCli(['--data-dir', dir, 'run', '--env', 'T=var:DEPLOY_TOKEN', '--', process.execPath, '-e', 'console.log("got " + process.env.T.length + " " + process.env.T)'], { LATCHKEY_MASTER_KEY: key });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`got ${secret.length} ••••\n`);
    for (const f of canaryForms(secret)) expect(r.stdout + r.stderr).not.toContain(f);

    const after = await createHeadlessHost({ dataDir: dir, env: { LATCHKEY_MASTER_KEY: key }, bridge: false, requesterSocket: false, announceCommandCode: () => undefined });
    try {
      const page = await createDispatcher(appChannels, after.broker.app)('audit:list', { types: ['access.grant', 'secret.reveal'] }, app);
      if (!page.ok) throw new Error(page.error.message);
      const events = (page.value as { events: { type: string; grantId?: string; detail?: string; requester?: { displayName: string } }[] }).events;
      const grant = events.find((e) => e.type === 'access.grant');
      expect(grant?.detail).toContain('DEPLOY_TOKEN: allowed once');
      expect(events.find((e) => e.type === 'secret.reveal')).toMatchObject({ grantId: grant?.grantId, detail: expect.stringContaining('DEPLOY_TOKEN'), requester: { displayName: expect.stringContaining('latchkey CLI, no app running') } });
      for (const f of canaryForms(secret)) expect(JSON.stringify(events)).not.toContain(f);
    } finally {
      await after.close();
    }
  });
});
