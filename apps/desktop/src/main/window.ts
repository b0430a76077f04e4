import { BrowserWindow } from 'electron';
import { APP_INDEX_URL, isTrustedSenderUrl, type TrustedRenderer } from './sender';
import { mainWindowOptions } from './window-policy';

export { lockDownSession } from './window-policy';

export function createMainWindow(options: { preload: string; trusted: TrustedRenderer; packaged: boolean }): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions({ preload: options.preload, packaged: options.packaged }));
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
