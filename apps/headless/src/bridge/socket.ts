import type { Broker } from '@latchkey/broker';
import { appChannels, appEvents, bindEvents, createDispatcher, type Requester } from '@latchkey/contracts';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, parseCallFrame, type ParsedCallFrame } from './protocol.js';

const RENDERER_REQUESTER: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };

export interface SocketBridgeOptions {
  broker: Pick<Broker, 'app' | 'on' | 'abortConsent'>;
  onInternalError?: (channel: string, error: unknown) => void;
}

/**
 * The WebSocket bridge, behind the gate: calls from the page go through the app channels'
 * dispatcher as the renderer; broker events fan out to every open socket.
 */
export function createSocketBridge(options: SocketBridgeOptions) {
  const dispatch = createDispatcher(appChannels, options.broker.app, { onInternalError: options.onInternalError });
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  const unsubscribe = bindEvents((event, listener) => options.broker.on(event, listener), appEvents, (event, payload) => {
    const frame = JSON.stringify({ event, payload });
    for (const socket of sockets) socket.send(frame);
  }, { onInvalid: (event, error) => options.onInternalError?.(`event ${event}`, error) });

  function onSocket(ws: WebSocket): void {
    sockets.add(ws);
    // Protocol errors from the peer (invalid UTF-8, an unmasked frame, a reserved opcode, an
    // oversize length): ws has already sent the close code and ends the socket; this only
    // keeps the error from being unhandled, which would end the host.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const parsed: ParsedCallFrame = isBinary ? { ok: false, error: { code: 'VALIDATION', message: 'Frames are text' } } : parseCallFrame(data.toString());
      if (!parsed.ok) {
        ws.send(JSON.stringify({ error: parsed.error }));
        // The reason is fixed: ws throws on one over 123 bytes, and the typed error went just before.
        ws.close(1008, 'Invalid frame');
        return;
      }
      const { frame } = parsed;
      dispatch(frame.channel, frame.input, { requester: RENDERER_REQUESTER })
        .then((result) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: frame.id, result }));
        })
        .catch((error: unknown) => options.onInternalError?.(frame.channel, error));
    });
    ws.on('close', () => {
      sockets.delete(ws);
      // The last window is gone: nobody can answer an open consent prompt, so it is denied.
      if (sockets.size === 0) options.broker.abortConsent('window closed');
    });
  }

  wss.on('error', (error) => options.onInternalError?.('websocket server', error));

  return {
    wss,
    onSocket,
    close(): void {
      unsubscribe();
      for (const socket of sockets) socket.terminate();
      wss.close();
    },
  };
}
