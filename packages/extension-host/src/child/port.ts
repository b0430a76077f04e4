import { Socket } from 'node:net';
import { createLineReader } from '../line-framing.js';
import { LatchkeyError, jsonDepth } from '@latchkey/contracts';
import { MAX_FRAME_CHARS, MAX_FRAME_DEPTH, decodeFrame } from '../protocol.js';
import { FRAME_FD } from '../runtime-constants.js';

/**
 * The child's end of its channel to the host: a pipe on fd 3 under Node (runtime.ts), Electron's
 * `parentPort` in a utility process. Frames are JSON text both ways; what arrives is decoded
 * within the same limits the host applies.
 */
export interface HostPort {
  /** Throws VALIDATION when the frame is past the host's limits (or cannot be serialised). */
  send(frame: unknown): void;
  onFrame(listener: (frame: unknown) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/**
 * Taken before any extension code loads, so code that replaces `process.exit` later cannot
 * keep this process alive once its host is gone (it could still block the event loop; an
 * orphan holds no secret and no channel).
 */
const exitNow: (code: number) => void = ((process as unknown as { reallyExit?: (code: number) => void }).reallyExit ?? process.exit).bind(process);

/**
 * The host refuses a frame past its limits without knowing which call it answered, so the
 * call would wait out its timeout: refusing here instead gives the extension a typed error now.
 */
function encode(frame: unknown): string {
  const text = JSON.stringify(frame);
  if (text.length > MAX_FRAME_CHARS) throw new LatchkeyError('VALIDATION', `The message is too large for the host (over ${MAX_FRAME_CHARS} characters)`);
  if (jsonDepth(text, MAX_FRAME_DEPTH) > MAX_FRAME_DEPTH) throw new LatchkeyError('VALIDATION', `The message nests deeper than ${MAX_FRAME_DEPTH} levels`);
  return text;
}

export function connectToHost(): HostPort {
  const listeners: ((frame: unknown) => void)[] = [];
  const deliver = (raw: unknown) => {
    const decoded = decodeFrame(raw);
    if (!decoded.ok) return;
    for (const listener of listeners) listener(decoded.value);
  };
  const parentPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    parentPort.on('message', (event) => deliver(event.data));
    return { send: (frame) => parentPort.postMessage(encode(frame)), onFrame: (listener) => void listeners.push(listener) };
  }
  let pipe: Socket;
  try {
    pipe = new Socket({ fd: FRAME_FD, readable: true, writable: true });
  } catch {
    throw new Error('The extension runtime must be started by the Latchkey extension host');
  }
  // The host died (SIGKILL included) or closed the pipe: this process has nobody to serve.
  const hostGone = () => exitNow(0);
  pipe.on('end', hostGone);
  pipe.on('close', hostGone);
  pipe.on('error', hostGone);
  pipe.setEncoding('utf8');
  const reader = createLineReader(MAX_FRAME_CHARS, deliver);
  pipe.on('data', (text: string) => reader.push(text));
  return {
    send: (frame) => void pipe.write(`${encode(frame)}\n`),
    onFrame: (listener) => void listeners.push(listener),
  };
}
