import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';

export interface BridgeClient {
  /** The session cookie (`name=value`) this client got for the launch token. */
  cookie: string;
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
    cookie,
    close: () => ws.close(),
  };
}

/**
 * The launch token is single-use: once connectBridge has exchanged it, the page cannot
 * exchange it again. This hands the page the session the bridge client got, then opens the
 * app as a reload would.
 */
export async function openWithSession(page: Page, url: string, cookie: string): Promise<void> {
  const origin = new URL(url).origin;
  const eq = cookie.indexOf('=');
  await page.context().addCookies([{ name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url: origin, httpOnly: true, sameSite: 'Strict' }]);
  await page.goto(`${origin}/`);
}
