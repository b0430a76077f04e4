import { IPC_EVENT_CHANNEL as EVENT_CHANNEL, IPC_INVOKE_CHANNEL as INVOKE_CHANNEL, createLatchkeyApi } from '@latchkey/contracts';
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

/**
 * The whole preload: one frozen object built from the channel map. No ipcRenderer, no Node,
 * nothing else reaches the page.
 */

const api = createLatchkeyApi(
  (channel, input) => ipcRenderer.invoke(INVOKE_CHANNEL, channel, input),
  (event, listener) => {
    const onEvent = (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, onEvent);
    return () => void ipcRenderer.off(EVENT_CHANNEL, onEvent);
  },
  // contextBridge keeps only an Error's message; a plain object keeps the code the page acts on.
  // Outputs were checked by the main process's dispatcher against the same contracts (checkOutputs).
  { toError: (error) => ({ ...error }), checkOutputs: false },
);

contextBridge.exposeInMainWorld('latchkey', api);
