import type { LatchkeyApi } from '@latchkey/contracts';

declare global {
  interface Window {
    /** Exposed by the preload (Electron) or the bridge script (headless host); the renderer's only way out. */
    readonly latchkey: LatchkeyApi;
  }
}

export {};
