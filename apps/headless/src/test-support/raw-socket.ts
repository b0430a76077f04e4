/**
 * A WebSocket client by hand, over a raw `net` socket, so a test can send what no library
 * would: unmasked frames, reserved opcodes, invalid UTF-8, lengths past the limit, and
 * request targets that do not parse.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent, as bytes. */
  received(): Buffer;
  /** Resolves when the server has closed (or reset) the connection. */
  closed: Promise<void>;
}

export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }));
    socket.once('error', reject);
  });
}

export interface UpgradeHeaders {
  host: string;
  origin?: string;
  cookie?: string;
}

export function upgradeRequest(target: string, h: UpgradeHeaders): string {
  return [
    `GET ${target} HTTP/1.1`,
    `Host: ${h.host}`,
    ...(h.origin ? [`Origin: ${h.origin}`] : []),
    ...(h.cookie ? [`Cookie: ${h.cookie}`] : []),
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

/** Waits for the server's status line and returns its code (0 when it closed without one). */
export async function statusOf(conn: RawConnection, deadlineMs = 10_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const text = conn.received().toString('latin1');
    const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
    if (match && text.includes('\r\n\r\n')) return Number(match[1]);
    if (conn.socket.destroyed || Date.now() - started > deadlineMs) return 0;
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface FrameOptions {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  /** Clients must mask; false builds the frame a server must refuse. */
  masked?: boolean;
  rsv?: number;
  /** Declares this length instead of the payload's (an oversize header without the body). */
  declaredLength?: number;
}

/** One WebSocket frame, RFC 6455 section 5.2. */
export function frame({ opcode, payload, fin = true, masked = true, rsv = 0, declaredLength }: FrameOptions): Buffer {
  const length = declaredLength ?? payload.length;
  const head = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let ext: Buffer;
  if (length < 126) {
    head.push(maskBit | length);
    ext = Buffer.alloc(0);
  } else if (length < 65536) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), ext, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from(head), ext, mask, body]);
}

export const textFrame = (text: string | Buffer, options: Partial<FrameOptions> = {}) =>
  frame({ opcode: 1, payload: typeof text === 'string' ? Buffer.from(text, 'utf8') : text, ...options });
