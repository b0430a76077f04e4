import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { TransportError } from '@latchkey/broker';
import { createTransports, signWebhook } from '../../index.js';
import { resolvedConnection } from '../../testing/packs.js';
import { freePort, startSilentServer } from '../../testing/ports.js';
import { startWebhookReceiver, verifyLatchkeySignature } from '../../testing/webhook-receiver.js';

const transports = createTransports();
afterAll(() => transports.close());

const conn = (config: Record<string, string>, secrets: Record<string, string> = {}) => resolvedConnection('webhook', 'webhook', config, secrets);

describe('webhook transport', () => {
  it('tests by sending {"test":true} with X-Test: true as JSON', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const outcome = await transports.test('webhook', conn({ url: receiver.url }), 10_000);
      expect(outcome).toMatchObject({ ok: true, code: 'ok', message: 'Delivered (HTTP 204 No Content)' });
      expect(receiver.received).toHaveLength(1);
      const [hit] = receiver.received;
      expect(hit).toMatchObject({ method: 'POST', body: '{"test":true}' });
      expect(hit!.headers['x-test']).toBe('true');
      expect(hit!.headers['content-type']).toBe('application/json');
      expect(hit!.headers.authorization).toBeUndefined();
    } finally {
      await receiver.stop();
    }
  });

  it('signs with HMAC-SHA256 over "<timestamp>.<body>" and a receiver following the README verifies it', async () => {
    const secret = 'whsec-Canary-61aa';
    const receiver = await startWebhookReceiver({ hmacSecret: secret });
    try {
      const c = conn({ url: receiver.url, authType: 'hmac', method: 'PUT' }, { hmacSecret: secret });
      expect(await transports.test('webhook', c, 10_000)).toMatchObject({ ok: true });
      const sent = await transports.webhookSend(c, { payload: { event: 'invoice.paid', amount: 12.5, tags: ['a'] }, headers: { 'X-Event': 'invoice' } });
      expect(sent).toMatchObject({ status: 204, body: '', truncated: false });
      expect(receiver.received.map((r) => [r.method, r.verified])).toEqual([
        ['PUT', true],
        ['PUT', true],
      ]);
      expect(receiver.received[1]!.headers['x-event']).toBe('invoice');
      const wrong = conn({ url: receiver.url, authType: 'hmac' }, { hmacSecret: 'not-the-secret' });
      expect(await transports.test('webhook', wrong, 10_000)).toMatchObject({ ok: false, code: 'auth', message: 'Authentication failed: the receiver answered HTTP 401 Unauthorized' });
    } finally {
      await receiver.stop();
    }
  });

  it('puts the exact documented headers on the wire', async () => {
    const receiver = await startWebhookReceiver();
    const pinned = createTransports({ now: () => 1_700_000_000_999 });
    try {
      await pinned.webhookSend(conn({ url: receiver.url, authType: 'hmac' }, { hmacSecret: 's3cret' }), { payload: { a: 1 }, headers: {} });
      const { headers, body } = receiver.received[0]!;
      expect(body).toBe('{"a":1}');
      expect(headers['x-latchkey-timestamp']).toBe('1700000000');
      const expected = `sha256=${createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex')}`;
      expect(headers['x-latchkey-signature']).toBe(expected);
      expect(signWebhook('s3cret', 1_700_000_000, '{"a":1}')).toBe(expected);
      // The receiver refuses a delivery that old: replay protection works as documented.
      expect(verifyLatchkeySignature('s3cret', headers, body)).toBe(false);
      expect(verifyLatchkeySignature('s3cret', headers, body, 1_700_000_100)).toBe(true);
      expect(verifyLatchkeySignature('s3cret', headers, `${body} `, 1_700_000_100)).toBe(false);
    } finally {
      await pinned.close();
      await receiver.stop();
    }
  });

  it('sends a bearer token, and callers or extra headers cannot replace it', async () => {
    const receiver = await startWebhookReceiver({ bearer: 'tok-Canary-0b9e' });
    try {
      const c = conn({ url: receiver.url, authType: 'bearer', headers: '{"Authorization":"Bearer forged","X-Source":"latchkey"}' }, { token: 'tok-Canary-0b9e' });
      const sent = await transports.webhookSend(c, { payload: [1, 2], headers: { authorization: 'Bearer forged-too', 'x-latchkey-signature': 'sha256=forged', 'content-type': 'text/plain' } });
      expect(sent.status).toBe(204);
      const { headers } = receiver.received[0]!;
      expect(headers.authorization).toBe('Bearer tok-Canary-0b9e');
      expect(headers['x-source']).toBe('latchkey');
      expect(headers['x-latchkey-signature']).toBeUndefined();
      expect(headers['content-type']).toBe('application/json');
      expect(await transports.test('webhook', { ...c, secrets: { token: 'wrong' } }, 10_000)).toMatchObject({ ok: false, code: 'auth' });
    } finally {
      await receiver.stop();
    }
  });

  it('does not follow a redirect and reports other statuses', async () => {
    const target = await startWebhookReceiver();
    const redirecting = await startWebhookReceiver({ redirectTo: target.url });
    const failing = await startWebhookReceiver({ status: 500 });
    try {
      const c = conn({ url: redirecting.url, authType: 'bearer' }, { token: 'tok' });
      expect(await transports.test('webhook', c, 10_000)).toMatchObject({ ok: false, code: 'http_status', message: 'The receiver answered HTTP 307 Temporary Redirect' });
      expect((await transports.webhookSend(c, { payload: {}, headers: {} })).status).toBe(307);
      expect(target.received).toHaveLength(0);
      expect(await transports.test('webhook', conn({ url: failing.url }), 10_000)).toMatchObject({ ok: false, code: 'http_status', message: 'The receiver answered HTTP 500 Internal Server Error' });
    } finally {
      await Promise.all([target.stop(), redirecting.stop(), failing.stop()]);
    }
  });

  it('classifies refused and timed-out deliveries', async () => {
    const port = await freePort();
    expect(await transports.test('webhook', conn({ url: `http://127.0.0.1:${port}/hook` }), 10_000)).toMatchObject({ ok: false, code: 'refused', message: `Connection refused (127.0.0.1:${port})` });
    const err = await transports.webhookSend(conn({ url: `http://127.0.0.1:${port}/hook` }), { payload: {}, headers: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'refused' });
    expect(await transports.test('webhook', conn({ url: 'https://nope.invalid/hook' }), 10_000)).toMatchObject({ ok: false, code: 'dns', message: 'Host not found: nope.invalid' });
    const silent = await startSilentServer();
    try {
      expect(await transports.test('webhook', conn({ url: `http://127.0.0.1:${silent.port}/hook` }), 300)).toMatchObject({ ok: false, code: 'timeout', message: 'Timed out after 0.3 s' });
    } finally {
      await silent.stop();
    }
  });
});
