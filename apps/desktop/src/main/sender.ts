/**
 * Which frames may call the broker: only the app's own renderer. A page that got into any
 * frame (a navigation that slipped through, an iframe, devtools on another origin) is refused,
 * because the caller is derived from the sender, never from the payload.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'latchkey';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

export interface TrustedRenderer {
  /** The electron-vite dev server (`ELECTRON_RENDERER_URL`), only when the app is not packaged. */
  devServerUrl?: string;
}

export function isTrustedSenderUrl(url: string | null | undefined, trusted: TrustedRenderer = {}): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  // Custom schemes have an opaque origin in WHATWG URL, so compare scheme, host and no credentials/port.
  if (parsed.protocol === `${APP_SCHEME}:`) {
    return parsed.host === APP_HOST && parsed.username === '' && parsed.password === '' && parsed.port === '';
  }
  if (trusted.devServerUrl) {
    try {
      const dev = new URL(trusted.devServerUrl);
      return (dev.protocol === 'http:' || dev.protocol === 'https:') && parsed.origin === dev.origin;
    } catch {
      return false;
    }
  }
  return false;
}
