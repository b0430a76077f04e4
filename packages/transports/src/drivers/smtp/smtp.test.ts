import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '@latchkey/broker';
import { createTransports } from '../../index.js';
import { resolvedConnection } from '../../testing/packs.js';
import { freePort, startSilentServer } from '../../testing/ports.js';
import { startSmtp, type SmtpPeer } from '../../testing/smtp-peer.js';
import { opensslUnavailable, selfSignedCertificate } from '../../testing/tls.js';

const transports = createTransports();
const USER = 'mailer@example.test';
const PASSWORD = 'smtp-Secret-4e2f';
let plain: SmtpPeer;

const conn = (port: number, config: Record<string, string | number> = {}, password = PASSWORD) =>
  resolvedConnection('smtp', 'smtp', { host: '127.0.0.1', port, encryption: 'none', user: USER, from: 'Latchkey <mailer@example.test>', ...config }, { password });

beforeAll(async () => {
  plain = await startSmtp({ user: USER, password: PASSWORD });
});
afterAll(async () => {
  await plain.stop();
  await transports.close();
});

describe('smtp transport against smtp-server', () => {
  it('greets and logs in without sending mail', async () => {
    const outcome = await transports.test('smtp', conn(plain.port), 10_000);
    expect(outcome).toMatchObject({ ok: true, code: 'ok', message: 'Connected and logged in' });
    expect(plain.received).toHaveLength(0);
  });

  it('reports a wrong password as an authentication failure', async () => {
    const outcome = await transports.test('smtp', conn(plain.port, {}, 'wrong-password'), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'auth', message: 'Authentication failed: 535 Invalid username or password' });
  });

  it('scrubs a password the server echoes in its reply', async () => {
    const canary = 'canary-Smtp-93c1';
    const echoing = await startSmtp({ user: USER, password: PASSWORD, echoPassword: true });
    try {
      const outcome = await transports.test('smtp', conn(echoing.port, {}, canary), 10_000);
      expect(outcome.code).toBe('auth');
      expect(outcome.message).toBe(`Authentication failed: 535 Invalid password •••• for ${USER}`);
      expect(JSON.stringify(outcome)).not.toContain(canary);
    } finally {
      await echoing.stop();
    }
  });

  it('fails a test whose server offers no login at all, instead of passing unproven', async () => {
    const relay = await startSmtp({ user: USER, password: PASSWORD, noAuth: true });
    try {
      const outcome = await transports.test('smtp', conn(relay.port), 10_000);
      expect(outcome.ok).toBe(false);
      expect(outcome.code).toBe('auth');
    } finally {
      await relay.stop();
    }
  });

  it('reports required STARTTLS that the server does not offer as a TLS failure', async () => {
    const outcome = await transports.test('smtp', conn(plain.port, { encryption: 'tls' }), 10_000);
    expect(outcome.ok).toBe(false);
    expect(outcome.code).toBe('tls');
    expect(outcome.message).toMatch(/^TLS failed: /);
  });

  it.skipIf(opensslUnavailable() !== null)('reports an untrusted STARTTLS certificate as a TLS failure with the reason', async () => {
    const tls = await startSmtp({ user: USER, password: PASSWORD, tls: selfSignedCertificate() });
    try {
      const outcome = await transports.test('smtp', conn(tls.port, { encryption: 'tls' }), 10_000);
      expect(outcome).toMatchObject({ ok: false, code: 'tls', message: 'TLS failed: self-signed certificate' });
    } finally {
      await tls.stop();
    }
  });

  it.skipIf(opensslUnavailable() !== null)('speaks TLS from the first byte for "ssl" and verifies that certificate too', async () => {
    const implicit = await startSmtp({ user: USER, password: PASSWORD, tls: selfSignedCertificate(), secure: true });
    try {
      const outcome = await transports.test('smtp', conn(implicit.port, { encryption: 'ssl' }), 10_000);
      expect(outcome).toMatchObject({ ok: false, code: 'tls', message: 'TLS failed: self-signed certificate' });
    } finally {
      await implicit.stop();
    }
  });

  it('reports a closed port as refused and a silent server as a timeout', async () => {
    const port = await freePort();
    expect(await transports.test('smtp', conn(port), 10_000)).toMatchObject({ ok: false, code: 'refused', message: `Connection refused (127.0.0.1:${port})` });
    const silent = await startSilentServer();
    try {
      expect(await transports.test('smtp', conn(silent.port), 400)).toMatchObject({ ok: false, code: 'timeout', message: 'Timed out after 0.4 s' });
    } finally {
      await silent.stop();
    }
  });

  it('reports an unknown host as a DNS failure', async () => {
    const c = resolvedConnection('smtp', 'smtp', { host: 'nope.invalid', port: 587, encryption: 'tls', user: USER, from: USER }, { password: PASSWORD });
    expect(await transports.test('smtp', c, 10_000)).toMatchObject({ ok: false, code: 'dns', message: 'Host not found: nope.invalid' });
  });

  it('sends a message and returns what the server accepted', async () => {
    const result = await transports.smtpSend(conn(plain.port), { to: ['a@example.test', 'b@example.test'], cc: ['c@example.test'], subject: 'Hello from Latchkey', text: 'It works.' });
    expect(result.accepted.sort()).toEqual(['a@example.test', 'b@example.test', 'c@example.test']);
    expect(result.rejected).toEqual([]);
    expect(result.messageId).toMatch(/^<.+>$/);
    const mail = plain.received.at(-1)!;
    expect(mail.from).toBe(USER);
    expect(mail.to.sort()).toEqual(['a@example.test', 'b@example.test', 'c@example.test']);
    expect(mail.raw).toContain('Subject: Hello from Latchkey');
    expect(mail.raw).toContain('It works.');
  });

  it('throws a classified error when sending with a wrong password', async () => {
    const err = await transports.smtpSend(conn(plain.port, {}, 'wrong-password'), { to: ['a@example.test'], subject: 's', text: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'auth' });
  });
});
