import type { BrowserWindowConstructorOptions, Session } from 'electron';

/**
 * The main window's options and the session's permission policy, as pure functions so they are
 * tested without Electron's binary (only its types are imported). `SECURITY.md` maps Electron's
 * security checklist onto these.
 */
export interface MainWindowContext {
  preload: string;
  /** `app.isPackaged`: a build a person installed, as opposed to `electron-vite dev`. */
  packaged: boolean;
}

export function mainWindowOptions({ preload, packaged }: MainWindowContext): BrowserWindowConstructorOptions {
  return {
    width: 1120,
    height: 780,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Latchkey',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // DevTools in an installed app are a console into the page that holds window.latchkey:
      // anyone at the keyboard (or a shortcut sent to the window) could call the broker's API
      // with the person's standing. Only development builds keep them.
      devTools: !packaged,
    },
  };
}

/** Denies every permission (camera, notifications, clipboard-read…) and every download: the app needs none. */
export function lockDownSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler' | 'on'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
}
