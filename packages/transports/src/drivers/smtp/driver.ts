import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { SmtpMessage, SmtpSendResult } from '@latchkey/contracts';
import { num, str } from '../../config.js';
import { elapsedSince } from '../../deadline.js';
import { timeoutMessage, type Classified, type Target } from '../../errors.js';
import { failure, runTest } from '../../outcome.js';

function target(c: ResolvedConnection, timeoutMs: number): Target {
  return { host: str(c.config, 'host', 'localhost'), port: num(c.config, 'port', 587), timeoutMs };
}

function options(c: ResolvedConnection, timeoutMs: number): SMTPTransport.Options & { forceAuth: boolean } {
  const encryption = str(c.config, 'encryption', 'tls');
  const user = str(c.config, 'user');
  return {
    host: str(c.config, 'host', 'localhost'),
    port: num(c.config, 'port', 587),
    // "ssl": TLS from the first byte (port 465); "tls": STARTTLS, required; "none": plain text.
    secure: encryption === 'ssl',
    requireTLS: encryption === 'tls',
    ignoreTLS: encryption === 'none',
    ...(user ? { auth: { user, pass: c.secrets.password ?? '' } } : {}),
    // Without it nodemailer skips the login when the server advertises no AUTH, and a test would pass unproven.
    forceAuth: user !== '',
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    tls: { rejectUnauthorized: true },
  };
}

/** nodemailer's error codes (EAUTH, ETLS, …); socket errors arrive as ESOCKET with the system error in the text. */
function classifier(c: ResolvedConnection, timeoutMs: number) {
  return (err: unknown): Classified | null => {
    const e = err as { code?: unknown; message?: unknown; reason?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    const t = target(c, timeoutMs);
    switch (e.code) {
      case 'EAUTH':
      case 'ENOAUTH':
        return { code: 'auth', message: `Authentication failed: ${message.replace(/^Invalid login: /, '')}` };
      case 'ETLS':
        return { code: 'tls', message: `TLS failed: ${message}` };
      case 'EDNS':
        return { code: 'dns', message: `Host not found: ${t.host}` };
      case 'ETIMEDOUT':
        return { code: 'timeout', message: timeoutMessage(timeoutMs) };
      case 'ESOCKET':
        if (/ECONNREFUSED/.test(message)) return { code: 'refused', message: `Connection refused (${t.host}:${t.port})` };
        if (/ENOTFOUND|EAI_AGAIN/.test(message)) return { code: 'dns', message: `Host not found: ${t.host}` };
        if (/certificate|ssl|tls|self.signed|wrong version number/i.test(message)) return { code: 'tls', message: `TLS failed: ${message}` };
        return null;
      default:
        return null;
    }
  };
}

export async function testSmtp(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
  let transport: nodemailer.Transporter | undefined;
  return runTest(
    c,
    target(c, timeoutMs),
    async () => {
      transport = nodemailer.createTransport(options(c, timeoutMs));
      try {
        await transport.verify();
      } finally {
        transport.close();
      }
      return { message: str(c.config, 'user') ? 'Connected and logged in' : 'Connected (no login configured)' };
    },
    classifier(c, timeoutMs),
    () => transport?.close(),
  );
}

export async function sendSmtp(c: ResolvedConnection, message: SmtpMessage, timeoutMs: number): Promise<SmtpSendResult> {
  const start = performance.now();
  const transport = nodemailer.createTransport(options(c, timeoutMs));
  try {
    const from = str(c.config, 'from') || str(c.config, 'user');
    if (from === '') throw new TransportError('invalid_config', 'No sender address is set');
    const info = await transport.sendMail({
      from,
      to: message.to,
      ...(message.cc ? { cc: message.cc } : {}),
      subject: message.subject,
      ...(message.text !== undefined ? { text: message.text } : {}),
      ...(message.html !== undefined ? { html: message.html } : {}),
    });
    const addresses = (list: unknown[]) => list.map((a) => (typeof a === 'string' ? a : String((a as { address?: unknown }).address ?? a)));
    return { messageId: info.messageId, accepted: addresses(info.accepted), rejected: addresses(info.rejected), latencyMs: elapsedSince(start) };
  } catch (err) {
    throw failure(err, c, target(c, timeoutMs), classifier(c, timeoutMs));
  } finally {
    transport.close();
  }
}
