import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A short temp folder (a socket path must fit in 107 bytes). */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lk-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A raw peer on the socket: writes what it is told, collects every frame and whether it was closed. */
export interface RawPeer {
  socket: Socket;
  frames: unknown[];
  closed: Promise<void>;
  send(line: string): void;
  next(): Promise<unknown>;
}

export async function rawPeer(path: string): Promise<RawPeer> {
  const socket = createConnection(path);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => (socket.once('connect', resolve), socket.once('error', reject)));
  socket.setEncoding('utf8');
  const frames: unknown[] = [];
  const waiters: ((f: unknown) => void)[] = [];
  let buf = '';
  socket.on('data', (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      const f = JSON.parse(buf.slice(0, nl)) as unknown;
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(f);
      else frames.push(f);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    frames,
    closed,
    send: (line) => void socket.write(line),
    next: () => (frames.length ? Promise.resolve(frames.shift()) : new Promise((resolve) => waiters.push(resolve))),
  };
}
