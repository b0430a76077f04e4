/**
 * `window.latchkey` for component tests, built exactly as the preload and the headless bridge
 * build it (`createLatchkeyApi(invoke, subscribe)`), over a real broker with in-memory ports.
 * Every payload is cloned on the way in and out, as a transport would, so a test cannot pass
 * by sharing objects with the broker. Test-only: the renderer bundle never imports this file.
 */
// eslint-disable-next-line no-restricted-imports -- tests run the real broker behind the API; this file is never bundled
import { createFetchTransports, createTestBroker } from '@latchkey/broker/testing';
// eslint-disable-next-line no-restricted-imports -- as above
import type { BrokerPorts, Clock, CommandGate, EventName, ResolvedConnection } from '@latchkey/broker';
import {
  appChannels,
  createClient,
  createDispatcher,
  createLatchkeyApi,
  extensionChannels,
  type Invoke,
  type Requester,
  type Subscribe,
} from '@latchkey/contracts';

export const WINDOW_REQUESTER: Requester = { kind: 'app', id: 'window:main', displayName: 'Latchkey window' };
export const GITHUB_EXTENSION: Requester = { kind: 'extension', id: 'github', displayName: 'GitHub' };

export interface RecordedCall {
  channel: string;
  input: unknown;
}

/** A clock that follows real time, shifted: a negative offset brings prompt deadlines closer. */
export function shiftedClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs };
}

export function createBrokerBackedApi(overrides: Partial<BrokerPorts> = {}) {
  const test = createTestBroker({ clock: shiftedClock(0), ...overrides });
  const calls: RecordedCall[] = [];
  const dispatchApp = createDispatcher(appChannels, test.broker.app);
  const invoke: Invoke = async (channel, input) => {
    const sent = structuredClone(input);
    calls.push({ channel, input: sent });
    return structuredClone(await dispatchApp(channel, sent, { requester: WINDOW_REQUESTER }));
  };
  const subscribe: Subscribe = (event, listener) => test.broker.on(event as EventName, (payload) => listener(structuredClone(payload)));
  const api = createLatchkeyApi(invoke, subscribe);

  const dispatchExtension = createDispatcher(extensionChannels, test.broker.extension);
  /** What an extension (or agent) holds: its channel, with the requester fixed by the host. */
  const extensionClient = (requester: Requester = GITHUB_EXTENSION) =>
    createClient(extensionChannels, async (channel, input) => structuredClone(await dispatchExtension(channel, structuredClone(input), { requester })));

  /** Calls recorded on one channel, in order. */
  const callsTo = (channel: string) => calls.filter((c) => c.channel === channel).map((c) => c.input);

  return { ...test, api, calls, callsTo, extensionClient };
}

/** A GitHub-like HTTP connection created through the API, as the Connections screen would. */
export async function createGitHubConnection(api: ReturnType<typeof createBrokerBackedApi>['api'], name = 'Work GitHub') {
  return api.connections.create({
    providerId: 'http',
    name,
    config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' },
    secrets: { token: 'ghp_canary_never_in_the_dom_0123456789' },
  });
}

/**
 * A broker whose transports start "processes" through its command-line gate, with the headless
 * one-time code captured: `start` resolves 'started' or the refusal's code; `code()` is the last
 * code printed where the page cannot read it.
 */
export function createCommandGateApi() {
  let gate: CommandGate | undefined;
  const printed: string[] = [];
  const h = createBrokerBackedApi({
    transports: { ...createFetchTransports(), useCommandGate: (g) => void (gate = g) },
    announceCommandCode: (line) => printed.push(line),
  });
  const start = (command: string, args: string[], env: Record<string, string> = {}) =>
    gate!({ id: 'draft-1' } as ResolvedConnection, { command, args, env }).then(
      () => 'started',
      (e: { code?: string }) => e.code,
    );
  const code = () => /type (\d{3}-\d{3}) in the app/.exec(printed.at(-1) ?? '')?.[1];
  return { ...h, start, code, printed };
}
