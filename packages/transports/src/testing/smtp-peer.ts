import { SMTPServer } from 'smtp-server';
import type { TestCertificate } from './tls.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpPeer {
  port: number;
  received: ReceivedMail[];
  stop(): Promise<void>;
}

/**
 * smtp-server on loopback requiring a login. With `tls`, it offers STARTTLS with that certificate;
 * without, it is plain text and accepts a login on it (loopback tests only).
 */
export interface SmtpPeerOptions {
  user: string;
  password: string;
  tls?: TestCertificate;
  /** TLS from the first byte (port 465 style) instead of STARTTLS. */
  secure?: boolean;
  /** Offer no AUTH at all (a relay): a client that must log in has to notice. */
  noAuth?: boolean;
  /** Put the rejected password in the 535 reply, as careless servers do: for leak tests. */
  echoPassword?: boolean;
}

export async function startSmtp(options: SmtpPeerOptions): Promise<SmtpPeer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: !options.tls,
    authOptional: options.noAuth === true,
    secure: options.secure === true,
    disabledCommands: [...(options.tls && !options.secure ? [] : ['STARTTLS']), ...(options.noAuth ? ['AUTH'] : [])],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 would add the resolver's delay to every test.
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) callback(null, { user: auth.username });
      else callback(new Error(options.echoPassword ? `Invalid password ${auth.password ?? ''} for ${auth.username}` : 'Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address() as { port: number };
  return { port: address.port, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
