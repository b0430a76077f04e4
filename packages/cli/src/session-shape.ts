import type { ClientApi, Requester, RequesterChannels } from '@latchkey/contracts';

/** What every command talks to: the running app over the socket, or (CI) the store opened here. */
export interface Session {
  readonly requester: Requester;
  readonly api: ClientApi<RequesterChannels>;
  /** Where it came from, for messages: "the running app" or "the store, opened by the CLI". */
  readonly via: 'app' | 'store';
  close(): Promise<void>;
}
