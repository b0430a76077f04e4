import { afterEach, describe, expect, it } from 'vitest';
import { CANARY, canaryForms, runCli, startTestApp } from './test-support.js';

const apps: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

// The child writes the injected value in two writes with a pause between (two pipe chunks), and
// its base64 form, and a non-secret field whole.
const CHILD = `
const v = process.env.API_TOKEN;
process.stdout.write('token=' + v.slice(0, 7));
setTimeout(() => {
  process.stdout.write(v.slice(7) + '\\n');
  process.stderr.write('b64=' + Buffer.from(v).toString('base64') + '\\n');
  process.stdout.write('url=' + process.env.API_URL + '\\n');
  process.stdout.write('len=' + v.length + '\\n');
}, 150);
`;

describe('latchkey CLI against a running app (real socket, real child process)', () => {
  it('--help documents every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run --env', 'conn ls', 'conn test', 'mcp', 'inject', 'var get']) expect(r.stdout).toContain(c);
  });

  it('conn ls --json lists connections without secrets', async () => {
    const a = await startTestApp();
    apps.push(a);
    const r = await runCli(['--data-dir', a.dir, 'conn', 'ls', '--json']);
    expect(r.stderr).toBe('');
    const list = JSON.parse(r.stdout) as { id: string; name: string; target: string }[];
    expect(list).toEqual([expect.objectContaining({ id: a.connectionId, name: 'Acme API', target: a.baseUrl })]);
    for (const f of canaryForms(CANARY)) expect(r.stdout).not.toContain(f);
    const plain = await runCli(['--data-dir', a.dir, 'conn', 'ls']);
    expect(plain.stdout).toMatch(/ID\s+NAME\s+TYPE\s+TARGET\s+STATUS/);
  });

  it('run injects the value after the person allows the reveal, and masks it in the output, split writes included', async () => {
    const a = await startTestApp();
    apps.push(a);
    const r = await runCli(['--data-dir', a.dir, 'run', '--env', `API_TOKEN=conn:${a.connectionId}.token`, '--env', 'API_URL=conn:Acme API.baseUrl', '--', process.execPath, '-e', CHILD]);
    expect(r.code).toBe(0);
    // The child really had the value (its length), and the person was asked for the reveal scope.
    expect(r.stdout).toContain(`len=${CANARY.length}`);
    expect(r.stdout).toContain(`url=${a.baseUrl}`);
    expect(r.stdout).toContain('token=••••');
    expect(a.prompter.seen).toHaveLength(1);
    expect(a.prompter.seen[0]!.requester).toMatchObject({ kind: 'program', displayName: expect.stringContaining('latchkey run') });
    expect(a.prompter.seen[0]!.scopes.map((s) => s.scope)).toEqual(['reveal']);
    for (const f of canaryForms(CANARY)) {
      expect(r.stdout, f).not.toContain(f);
      expect(r.stderr, f).not.toContain(f);
    }
    // Every prefix of the value longer than what the child printed before its pause is absent too.
    expect(r.stdout).not.toContain(CANARY.slice(0, 7));
  });

  it('run without consent runs nothing and says why', async () => {
    const a = await startTestApp(() => ({ decision: 'deny' }));
    apps.push(a);
    const r = await runCli(['--data-dir', a.dir, 'run', '--env', `T=conn:${a.connectionId}.token`, '--', process.execPath, '-e', 'console.log("ran")']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('ran');
    expect(r.stderr).toContain('DENIED');
  });

  it('a bad --env and an unknown connection are clear errors', async () => {
    const a = await startTestApp();
    apps.push(a);
    const bad = await runCli(['--data-dir', a.dir, 'run', '--env', 'T=token', '--', 'true']);
    expect(bad.stderr).toContain('VALIDATION');
    const missing = await runCli(['--data-dir', a.dir, 'run', '--env', 'T=conn:nope.token', '--', 'true']);
    expect(missing.stderr).toContain('NOT_FOUND');
    expect(a.prompter.seen).toHaveLength(0);
  });

  it('without a running app and without LATCHKEY_MASTER_KEY it says what to do', async () => {
    const a = await startTestApp();
    apps.push(a);
    await a.close();
    apps.pop();
    const r = await runCli(['--data-dir', a.dir, 'conn', 'ls']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not running|UNAVAILABLE|ENOENT/);
  });
});

describe('latchkey inject and var (templates and variables through the broker)', () => {
  it('inject renders a template to an owner-only file after the reveal consent', async () => {
    const { mkdtempSync, readFileSync, statSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const a = await startTestApp();
    apps.push(a);
    const work = mkdtempSync(join(tmpdir(), 'lki-'));
    writeFileSync(join(work, 't.env'), `URL={{ conn.Acme API.baseUrl }}\nTOKEN={{ conn.${a.connectionId}.token }}\n`);
    const r = await runCli(['--data-dir', a.dir, 'inject', '-i', join(work, 't.env'), '-o', join(work, 'out.env')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(work, 'out.env'), 'utf8')).toBe(`URL=${a.baseUrl}\nTOKEN=${CANARY}\n`);
    expect(statSync(join(work, 'out.env')).mode & 0o777).toBe(0o600);
    expect(a.prompter.seen).toHaveLength(1);
    expect(a.prompter.seen[0]!.scopes.map((s) => s.scope)).toEqual(['reveal']);
    for (const f of canaryForms(CANARY)) expect(r.stdout).not.toContain(f);
  });

  it('inject without consent writes nothing; an unknown reference names it', async () => {
    const { existsSync, mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const a = await startTestApp(() => ({ decision: 'deny' }));
    apps.push(a);
    const work = mkdtempSync(join(tmpdir(), 'lki-'));
    writeFileSync(join(work, 't'), `{{ conn.${a.connectionId}.token }}`);
    const r = await runCli(['--data-dir', a.dir, 'inject', '-i', join(work, 't'), '-o', join(work, 'o')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DENIED');
    expect(existsSync(join(work, 'o'))).toBe(false);
    writeFileSync(join(work, 'u'), '{{ var.nope }}');
    const u = await runCli(['--data-dir', a.dir, 'inject', '-i', join(work, 'u')]);
    expect(u.stderr).toContain('var.nope');
  });

  it('var set then var get round-trips a plain variable; a secret one is not given back when the person denies', async () => {
    const a = await startTestApp(() => ({ decision: 'deny' }));
    apps.push(a);
    expect((await runCli(['--data-dir', a.dir, 'var', 'set', 'region', 'eu-west-1'])).stdout).toContain('saved region');
    const got = await runCli(['--data-dir', a.dir, 'var', 'get', 'region', '--json']);
    expect(JSON.parse(got.stdout)).toEqual({ key: 'region', value: 'eu-west-1' });
    expect(a.prompter.seen).toHaveLength(0);
    await runCli(['--data-dir', a.dir, 'var', 'set', 'apikey', 'Sekret-Var-123456', '--secret']);
    const secret = await runCli(['--data-dir', a.dir, 'var', 'get', 'apikey']);
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain('DENIED');
    expect(secret.stdout + secret.stderr).not.toContain('Sekret-Var-123456');
    expect(a.prompter.seen.map((p) => p.variable?.key)).toEqual(['apikey']);
  });
});
