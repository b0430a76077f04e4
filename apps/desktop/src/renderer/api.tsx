import { createContext, useContext, type ReactNode } from 'react';
import type { LatchkeyApi } from '@latchkey/contracts';

/**
 * The one way a screen reaches the broker: `useApi()`. App sets nothing and gets the object the
 * preload (or the headless bridge) put on `window.latchkey`; tests wrap what they render in an
 * `ApiProvider` holding the API built over their own broker.
 */
const ApiContext = createContext<LatchkeyApi | null>(null);

export function ApiProvider({ api, children }: { api: LatchkeyApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): LatchkeyApi {
  return useContext(ApiContext) ?? window.latchkey;
}
