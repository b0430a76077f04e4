import { BrowserWindow, type Session } from 'electron';
import { APP_INDEX_URL, isTrustedSenderUrl, type TrustedRenderer } from './sender';

/** Denies every permission (camera, notifications, clipboard-read…): the app needs none. */
export function lockDownSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
}

export function createMainWindow(options: { preload: string; trusted: TrustedRenderer }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1120,
    height: 780,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Latchkey',
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  });
  const contents = win.webContents;
  // Nothing opens from the app: no new windows, no navigation away, no webviews.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedSenderUrl(url, options.trusted)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedSenderUrl(url, options.trusted)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.trusted.devServerUrl ?? APP_INDEX_URL);
  return win;
}
