import { TransportError } from '@latchkey/broker';
import { timeoutMessage } from './errors.js';

/**
 * Runs `work` and rejects with a `timeout` TransportError after `ms`. Drivers have their own
 * connect and query timeouts, but not all cover every phase (TLS handshake, auth, a server that
 * accepts and never answers); this bounds the whole attempt. `onTimeout` tears the attempt down.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>, onTimeout?: () => void): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new TransportError('timeout', timeoutMessage(ms)));
      try {
        onTimeout?.();
      } catch {
        // Tearing down after a timeout is best effort; the timeout is what the caller needs.
      }
      reject(new TransportError('timeout', timeoutMessage(ms)));
    }, ms);
  });
  const attempt = work(controller.signal);
  // The attempt may still settle after the deadline; swallow that so it is not an unhandled rejection.
  attempt.catch(() => undefined);
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function elapsedSince(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
