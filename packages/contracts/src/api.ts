import type { z } from 'zod';
import { createClient, type ClientApi, type ClientOptions, type Invoke } from './binder.js';
import { appChannels, appEvents, type AppChannels, type AppEvents } from './channels.js';

export type AppEventName = keyof AppEvents;
export type AppEventPayload<K extends AppEventName> = z.output<AppEvents[K]>;
export type Subscribe = (event: string, listener: (payload: unknown) => void) => () => void;

/**
 * `window.latchkey`: the one object the renderer gets, in Electron (preload) and in the
 * headless host (WebSocket bridge) alike.
 */
export type LatchkeyApi = ClientApi<AppChannels> & {
  on<K extends AppEventName>(event: K, listener: (payload: AppEventPayload<K>) => void): () => void;
};

/** Builds `window.latchkey` from a transport's invoke and subscribe; event payloads are parsed too. */
export function createLatchkeyApi(invoke: Invoke, subscribe: Subscribe, options: ClientOptions = {}): LatchkeyApi {
  const client = createClient(appChannels, invoke, options);
  const on = (event: AppEventName, listener: (payload: never) => void) => {
    const schema = appEvents[event];
    if (!schema) throw new Error(`Unknown event ${String(event)}`);
    return subscribe(event, (raw) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) (listener as (p: unknown) => void)(parsed.data);
    });
  };
  return Object.freeze({ ...client, on }) as LatchkeyApi;
}
