/**
 * Secret variables through the real requester socket and the real CLI process: the person (the
 * test's prompter, standing in for the app's modal) is asked to reveal the variable, naming the
 * requester the socket issued; a yes hands the value to `var get`, `inject` and `run` (masked in
 * the child's output, split writes included), a no hands over nothing and leaves a deny.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appChannels, createDispatcher, type ConsentDecision, type ConsentPrompt } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY, canaryForms, runCli, startTestApp } from './test-support.js';

const SECRET = 'Dep-Canary-4f9e!a&b"c/d+e=';
const person = { requester: { kind: 'app' as const, id: 'renderer', displayName: 'Latchkey' } };

const apps: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function appWithSecretVariable(answer: (p: ConsentPrompt) => ConsentDecision | 'hang') {
  const a = await startTestApp(answer);
  apps.push(a);
  const app = createDispatcher(appChannels, a.broker.app);
  const saved = await app('variables:set', { key: 'DEPLOY_TOKEN', value: SECRET, secret: true, description: 'Deploys to production' }, person);
  if (!saved.ok) throw new Error(saved.error.message);
  const audit = () => a.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; requester?: { kind: string; id: string }; grantId?: string; detail?: string });
  const auditText = () => a.mem.audit.lines_.map((l) => l.text).join('\n');
  return { ...a, audit, auditText };
}

const absent = (text: string, secret = SECRET) => {
  for (const form of canaryForms(secret)) expect(text, form).not.toContain(form);
};

describe('latchkey and secret variables (real socket, real CLI)', () => {
  it('var get: the person is asked to reveal DEPLOY_TOKEN to the issued requester; once means once', async () => {
    const a = await appWithSecretVariable(() => ({ decision: 'once' }));
    const r = await runCli(['--data-dir', a.dir, 'var', 'get', 'DEPLOY_TOKEN']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${SECRET}\n`);
    expect(a.prompter.seen).toHaveLength(1);
    const prompt = a.prompter.seen[0]!;
    expect(prompt.variable).toEqual({ key: 'DEPLOY_TOKEN', description: 'Deploys to production' });
    // Identity from the socket: an issued id, the stated name only as a label.
    expect(prompt.requester).toMatchObject({ kind: 'program', id: expect.stringMatching(/^socket-/), displayName: 'latchkey var get DEPLOY_TOKEN' });
    expect(prompt.scopes).toEqual([expect.objectContaining({ scope: 'reveal', warning: true })]);
    absent(JSON.stringify(prompt));
    const reveal = a.audit().filter((e) => e.type === 'secret.reveal');
    expect(reveal).toEqual([expect.objectContaining({ requester: expect.objectContaining({ id: prompt.requester.id }), grantId: expect.any(String), detail: expect.stringContaining('DEPLOY_TOKEN') })]);
    absent(a.auditText());
    // A second invocation is a new requester: asked again.
    expect((await runCli(['--data-dir', a.dir, 'var', 'get', 'DEPLOY_TOKEN'])).stdout).toBe(`${SECRET}\n`);
    expect(a.prompter.seen).toHaveLength(2);
    expect(a.prompter.seen[1]!.requester.id).not.toBe(prompt.requester.id);
  });

  it('denied: exit 1, DENIED, the value nowhere — not in stdout, stderr, the prompt or the audit, which holds only request and deny', async () => {
    const a = await appWithSecretVariable(() => ({ decision: 'deny' }));
    const r = await runCli(['--data-dir', a.dir, 'var', 'get', 'DEPLOY_TOKEN', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DENIED');
    expect(r.stdout).toBe('');
    absent(r.stdout + r.stderr + JSON.stringify(a.prompter.seen) + a.auditText());
    const id = a.prompter.seen[0]!.requester.id;
    expect(a.audit().filter((e) => e.requester?.id === id).map((e) => e.type)).toEqual(['access.request', 'access.deny']);
  });

  it('run --env NAME=var:<key>: the child gets the value, its output masked even when split across two writes', async () => {
    const a = await appWithSecretVariable(() => ({ decision: 'once' }));
    const child = `
const v = process.env.DEPLOY;
process.stdout.write('token=' + v.slice(0, 6));
setTimeout(() => {
  process.stdout.write(v.slice(6) + '\\n');
  process.stderr.write('b64=' + Buffer.from(v).toString('base64') + ' url=' + encodeURIComponent(v) + '\\n');
  process.stdout.write('len=' + v.length + ' region=' + process.env.REGION + '\\n');
}, 150);
`;
    const app = createDispatcher(appChannels, a.broker.app);
    await app('variables:set', { key: 'REGION', value: 'eu-west-1' }, person);
    const r = await runCli(['--data-dir', a.dir, 'run', '--env', 'DEPLOY=var:DEPLOY_TOKEN', '--env', 'REGION=var:REGION', '--', process.execPath, '-e', child]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`len=${SECRET.length} region=eu-west-1`);
    expect(r.stdout).toContain('token=••••');
    absent(r.stdout + r.stderr);
    expect(r.stdout).not.toContain(SECRET.slice(0, 6));
    // One prompt: the plain variable needs none.
    expect(a.prompter.seen.map((p) => p.variable?.key)).toEqual(['DEPLOY_TOKEN']);
  });

  it('inject: a template with a secret variable and a connection secret asks for each, then writes both', async () => {
    const a = await appWithSecretVariable(() => ({ decision: 'once' }));
    const work = mkdtempSync(join(tmpdir(), 'lksv-'));
    writeFileSync(join(work, 't.env'), `DEPLOY={{ var.DEPLOY_TOKEN }}\nTOKEN={{ conn.${a.connectionId}.token }}\n`);
    const r = await runCli(['--data-dir', a.dir, 'inject', '-i', join(work, 't.env'), '-o', join(work, 'out.env')]);
    expect(r.stderr).toBe('');
    expect(readFileSync(join(work, 'out.env'), 'utf8')).toBe(`DEPLOY=${SECRET}\nTOKEN=${CANARY}\n`);
    expect(a.prompter.seen.map((p) => p.variable?.key ?? p.connection?.id)).toEqual(['DEPLOY_TOKEN', a.connectionId]);
    absent(r.stdout);
  });

  it('a reveal grant on a connection does not reveal a variable (and a denied variable blocks the whole template)', async () => {
    const a = await appWithSecretVariable((p) => (p.variable ? { decision: 'deny' } : { decision: 'once' }));
    const work = mkdtempSync(join(tmpdir(), 'lksv-'));
    writeFileSync(join(work, 't'), `TOKEN={{ conn.${a.connectionId}.token }}\nDEPLOY={{ var.DEPLOY_TOKEN }}\n`);
    const r = await runCli(['--data-dir', a.dir, 'inject', '-i', join(work, 't')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DENIED');
    expect(r.stdout).toBe('');
    absent(r.stdout + r.stderr);
    absent(r.stdout + r.stderr, CANARY);
  });
});
