import { nanoid } from 'nanoid';
import { appChannels, createClient, createDispatcher, requesterChannels } from '@latchkey/contracts';
import type { Requester, SocketRequesterKind } from '@latchkey/contracts';
import { createHeadlessHost } from '@latchkey/headless';
import type { Session } from './session-shape.js';

/**
 * CI: no app is running, and the job holds the master key. The store is opened here (its folder
 * lock keeps an app from opening it at the same time), with no requester socket and no window.
 * Holding LATCHKEY_MASTER_KEY is the authority: each access request is allowed once, for that
 * request only, and the audit log shows the requester (kind program/agent, an issued id) and that
 * the CLI answered it on the key holder's behalf.
 */
export async function openCiSession(options: { dataDir: string; kind: SocketRequesterKind; name: string; masterKey: string }): Promise<Session> {
  const host = await createHeadlessHost({
    dataDir: options.dataDir,
    env: { LATCHKEY_MASTER_KEY: options.masterKey },
    keyWhere: 'in LATCHKEY_MASTER_KEY',
    requesterSocket: false,
    bridge: false,
    announceCommandCode: () => undefined,
  });
  const requester: Requester = Object.freeze({ kind: options.kind, id: `cli-${nanoid(24)}`, displayName: `${options.name} (latchkey CLI, no app running)` });
  const cli: Requester = { kind: 'program', id: 'latchkey-cli', displayName: 'latchkey CLI with LATCHKEY_MASTER_KEY' };
  const app = createDispatcher(appChannels, host.broker.app);
  // Only this session's own prompts are answered; "once" is the narrowest grant there is.
  const stop = host.broker.on('consent:prompt', (prompt) => {
    if (prompt.requester.id !== requester.id) return;
    void app('consent:respond', { promptId: prompt.promptId, response: { decision: 'once' } }, { requester: cli });
  });
  const dispatch = createDispatcher(requesterChannels, host.broker.requester);
  const api = createClient(requesterChannels, (channel, input) => dispatch(channel, input, { requester }));
  return {
    requester,
    api,
    via: 'store',
    async close() {
      stop();
      host.broker.endRequesterSession(requester, 'the CLI finished');
      await host.close();
    },
  };
}
