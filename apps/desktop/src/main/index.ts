import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentConfigFiles } from '@latchkey/agent-config/node';
import { createBroker } from '@latchkey/broker';
import { startRequesterSocket } from '@latchkey/requester-socket';
import { startExtensionHost, utilityProcessRuntime } from '@latchkey/extension-host';
import { openFileStore } from '@latchkey/store';
import { createTransports } from '@latchkey/transports';
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import { nativeCommandApprover } from './command-dialog';
import { bindBrokerToIpc } from './ipc';
import { RENDERER_CSP, rendererFile } from './renderer-files';
import { createSafeStorageCipher } from './safe-storage-cipher';
import { APP_HOST, APP_SCHEME, type TrustedRenderer } from './sender';
import { createMainWindow, lockDownSession } from './window';

/**
 * The Electron composition root: the same broker as the headless host, with safeStorage for the
 * cipher, ipcMain for the transport and a hardened window for the renderer.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const rendererRoot = join(here, '../renderer');
const preload = join(here, '../preload/index.cjs');
const extensionRuntime = join(here, 'extension-runtime.mjs');
const builtInExtensions = app.isPackaged ? join(process.resourcesPath, 'extensions') : fileURLToPath(new URL('../../../../extensions', import.meta.url));
// Import from agent configs: rewritten entries start the checkout's `latchkey` (a packaged app ships no CLI yet).
const checkoutLatchkey = app.isPackaged ? null : fileURLToPath(new URL('../../../../scripts/latchkey', import.meta.url));
const trusted: TrustedRenderer = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? { devServerUrl: process.env.ELECTRON_RENDERER_URL } : {};

// The app's own origin: a standard, secure scheme, so the renderer is not file:// (which shares
// an origin with every local file) and the sender check has one exact origin to compare.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

async function start(): Promise<void> {
  await app.whenReady();
  lockDownSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const target = url.host === APP_HOST ? rendererFile(rendererRoot, url.pathname) : null;
    if (!target) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(target.file);
      return new Response(body, { headers: { 'Content-Type': target.type, 'Content-Security-Policy': RENDERER_CSP, 'X-Content-Type-Options': 'nosniff' } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });

  // safeStorage picks its backend at ready; only now can the cipher tell basic_text from a keyring.
  const cipher = createSafeStorageCipher(safeStorage);
  const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(app.getPath('userData'), 'data');
  const store = await openFileStore(dataDir);
  const transports = createTransports();
  const broker = createBroker({
    cipher,
    connections: store.connections,
    grants: store.grants,
    secrets: store.secrets,
    audit: store.audit,
    transports,
    // OAuth2 sign-in pages open in the system browser (RFC 8252), never in an app window.
    openExternal: (url) => (/^https?:\/\//.test(url) ? shell.openExternal(url) : Promise.resolve()),
    host: 'electron',
    storeProblems: () => store.problems(),
    generations: store.generations,
    // Programs (issue 12): variables, "Used by" counts, and LATCHKEY_CONN_/LATCHKEY_VAR_ overrides.
    variables: store.variables,
    usage: store.usage,
    environment: process.env,
    agentConfigs: createAgentConfigFiles({
      machine: { home: app.getPath('home'), platform: process.platform, env: process.env },
      launcher: checkoutLatchkey && existsSync(checkoutLatchkey) ? { command: checkoutLatchkey, args: ['--data-dir', dataDir] } : null,
    }),
    // A new command line is confirmed in a native dialog no page can draw or answer.
    commandApprover: nativeCommandApprover((options) => {
      const parent = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
      return parent ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options);
    }),
  });
  // Start-up checks: a wrong master key is caught in createBroker (a key check value); here audit
  // events a crash kept out of the log are appended and orphan blobs swept before anything is served.
  await broker.ready;

  // Each extension with a `main` runs in its own utility process; providers register either way.
  // Electron's utility process ignores Node's permission flags, so third-party extensions that
  // need file confinement are refused rather than run unconfined (the host's default policy).
  const extensions = await startExtensionHost({
    broker,
    dataDir,
    roots: [
      { dir: builtInExtensions, builtIn: true },
      { dir: join(app.getPath('userData'), 'extensions'), builtIn: false },
    ],
    runtime: utilityProcessRuntime(utilityProcess),
    entry: extensionRuntime,
  });
  for (const problem of extensions.problems) console.warn(`latchkey: ${problem.message}`);

  const binding = bindBrokerToIpc({
    ipcMain,
    broker,
    trusted,
    targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    onRefused: (url) => console.warn(`latchkey: refused a broker call from ${url}`),
    onInternalError: (channel) => console.error(`latchkey: internal error in ${channel}`),
  });

  // The CLI and `latchkey mcp` reach this broker through the local requester socket (untested under
  // Electron here: its binary is absent; the headless host runs the same module in the tests).
  const requesterSocket = await startRequesterSocket({ dataDir, broker, onInternalError: (channel) => console.error(`latchkey: internal error in ${channel} (requester socket)`) }).catch((error: unknown) => {
    console.warn(`latchkey: no requester socket: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  });

  let win: BrowserWindow | null = null;
  const openWindow = () => {
    win = createMainWindow({ preload, trusted, packaged: app.isPackaged });
    // Nobody is left to answer a consent prompt: deny it (DESIGN.md, invariant 4).
    win.on('closed', () => {
      win = null;
      broker.abortConsent('window closed');
    });
    win.webContents.on('render-process-gone', (_event, details) => broker.abortConsent(`renderer ${details.reason}`));
  };
  openWindow();

  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    } else openWindow();
  });
  app.on('activate', () => {
    if (!win) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    broker.abortConsent('app quitting');
    binding.dispose();
    void (async () => {
      await requesterSocket?.close().catch(() => undefined);
      await extensions.close().catch(() => undefined);
      await broker.close().catch(() => undefined);
      await transports.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      app.exit(0);
    })();
  });
}
