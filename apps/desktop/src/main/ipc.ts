import type { Broker } from '@latchkey/broker';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, appChannels, appEvents, bindEvents, createDispatcher, type Requester, type Result } from '@latchkey/contracts';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { isTrustedSenderUrl, type TrustedRenderer } from './sender';

export const INVOKE_CHANNEL = IPC_INVOKE_CHANNEL;
export const EVENT_CHANNEL = IPC_EVENT_CHANNEL;

const RENDERER_REQUESTER: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };

export interface IpcBinding {
  /** Stops handling calls and pushing events. */
  dispose(): void;
}

/**
 * The ipcMain side of `window.latchkey`: one invoke channel, parsed by the contracts, from the
 * app's own renderer frame only; events pushed to the app's windows with webContents.send.
 */
export function bindBrokerToIpc(options: {
  ipcMain: IpcMain;
  broker: Pick<Broker, 'app' | 'on'>;
  trusted: TrustedRenderer;
  /** The windows that receive pushed events. */
  targets(): WebContents[];
  onRefused?(url: string): void;
  onInternalError?(channel: string, error: unknown): void;
}): IpcBinding {
  const dispatch = createDispatcher(appChannels, options.broker.app, { onInternalError: options.onInternalError });

  options.ipcMain.handle(INVOKE_CHANNEL, async (event: IpcMainInvokeEvent, channel: unknown, input: unknown): Promise<Result> => {
    const url = event.senderFrame?.url;
    if (!isTrustedSenderUrl(url, options.trusted)) {
      options.onRefused?.(url ?? '(no frame)');
      return { ok: false, error: { code: 'FORBIDDEN', message: 'Only Latchkey’s own window may call the broker.' } };
    }
    if (typeof channel !== 'string') return { ok: false, error: { code: 'VALIDATION', message: 'The channel name must be a string.' } };
    return dispatch(channel, input, { requester: RENDERER_REQUESTER });
  });

  const unsubscribe = bindEvents((name, listener) => options.broker.on(name, listener), appEvents, (name, payload) => {
    for (const contents of options.targets()) {
      if (!contents.isDestroyed() && isTrustedSenderUrl(contents.getURL(), options.trusted)) contents.send(EVENT_CHANNEL, name, payload);
    }
  });

  return {
    dispose() {
      options.ipcMain.removeHandler(INVOKE_CHANNEL);
      unsubscribe();
    },
  };
}
