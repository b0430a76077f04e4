import { WebSocket } from 'ws';

export interface BridgeClient {
  call(channel: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  close(): void;
}

/**
 * Talks to the headless host the way the page does — token for cookie, then the WebSocket with
 * our Origin — but from the test process, so bulk setup does not go through a rendering page.
 */
export async function connectBridge(url: string): Promise<BridgeClient> {
  const exchange = await fetch(url, { redirect: 'manual' });
  const cookie = (exchange.headers.get('set-cookie') ?? '').split(';')[0];
  if (!cookie) throw new Error(`The host gave no cookie for its own URL (status ${exchange.status})`);
  const origin = new URL(url).origin;
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/__latchkey/socket`, { headers: { Origin: origin, Cookie: cookie } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const pending = new Map<number, (result: never) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { id?: number; result?: never };
    if (typeof frame.id === 'number') {
      pending.get(frame.id)?.(frame.result!);
      pending.delete(frame.id);
    }
  });
  let nextId = 1;
  return {
    call(channel, input) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, channel, input }));
      });
    },
    close: () => ws.close(),
  };
}
