/** The child's end of its channel to the host: Node's IPC under fork, `parentPort` under Electron. */
export interface HostPort {
  send(frame: unknown): void;
  onFrame(listener: (frame: unknown) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function connectToHost(): HostPort {
  const parentPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (frame) => parentPort.postMessage(frame),
      onFrame: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('The extension runtime must be started by the Latchkey extension host');
  return {
    send: (frame) => void send(frame),
    onFrame: (listener) => void process.on('message', listener),
  };
}
