import { createDispatcher, extensionChannels, type ExtensionChannels, type Handlers, type Requester, type Result } from '@latchkey/contracts';
import type { CallContext } from '@latchkey/broker';

/** One process's calls: who it is (from the host's records) and how many calls it has open. */
export interface Caller {
  readonly requester: Requester;
  /** Calls the broker is running for it now (at most maxInFlight). */
  inFlight: number;
  /** Calls waiting for one of those places, oldest first (at most maxQueued); created on first use. */
  queue?: (() => void)[];
  /** Frame characters held by the waiting calls. */
  queuedChars?: number;
}

export interface CallBoundaryOptions {
  handlers: Handlers<ExtensionChannels, CallContext>;
  /** Calls of one extension the broker runs at once. */
  maxInFlight: number;
  /**
   * Calls of one extension that wait (FIFO) for a running one to finish. Live work within the
   * caps is never refused; only a call past maxInFlight + maxQueued is, with THROTTLED. Each
   * waiting call holds only its parsed input (one frame, bounded by the protocol).
   */
  maxQueued: number;
  /** Frame characters the waiting calls of one extension may hold together (one call may always wait alone). */
  maxQueuedChars: number;
  /** Audits a refusal the broker never sees (it is decided here). */
  refuse: (caller: Caller, detail: string) => void;
}

export const safeName = (s: string) => s.replace(/[^A-Za-z0-9:._-]/g, '?').slice(0, 60);

/**
 * Where an extension's call enters the broker. Only `extensionChannels` exist here (no app
 * channel is reachable, however it is spelled); the input is parsed by the channel's contract;
 * the requester is the caller's, whatever the payload says.
 */
export function createCallBoundary({ handlers, maxInFlight, maxQueued, maxQueuedChars, refuse }: CallBoundaryOptions) {
  // One parse per call: the dispatcher's. Refusals and the caps hook into it.
  const dispatch = createDispatcher<ExtensionChannels, CallContext & { caller: Caller; chars: number }>(extensionChannels, handlers, {
    onInternalError: (channel, error) => console.error(`extension host: ${channel} failed`, error),
    onRefused: (channel, why, { caller }) =>
      refuse(caller, why === 'unknown-channel' ? `Called unknown extension channel "${safeName(channel)}"` : `Invalid input for ${channel}`),
    around: async (channel, { caller, chars }, run) => {
      if (caller.inFlight >= maxInFlight) {
        const queue = (caller.queue ??= []);
        const held = caller.queuedChars ?? 0;
        if (queue.length >= maxQueued || (queue.length > 0 && held + chars > maxQueuedChars)) {
          refuse(caller, `Too many open calls (${maxInFlight} running, ${queue.length} waiting); ${channel} refused`);
          return { ok: false, error: { code: 'THROTTLED', message: 'Too many calls at once; wait for earlier ones to finish' } };
        }
        caller.queuedChars = held + chars;
        // The place is handed over by the call that finishes (release), so inFlight never passes the cap.
        await new Promise<void>((resolve) => queue.push(resolve));
        caller.queuedChars -= chars;
      } else {
        caller.inFlight++;
      }
      try {
        return await run();
      } finally {
        release(caller);
      }
    },
  });
  /** `chars`: the size of the frame the call came in (what waiting holds on to). */
  return async function call(caller: Caller, channel: string, input: unknown, chars = 0): Promise<Result> {
    const result = await dispatch(channel, input, { requester: caller.requester, caller, chars });
    // The channel name a peer sent is echoed only in a safe form.
    if (!result.ok && result.error.code === 'NOT_FOUND' && !Object.hasOwn(extensionChannels, channel)) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown channel "${safeName(channel)}"` } };
    }
    return result;
  };
}

/** A finished call's place goes to the oldest waiting call, else it is freed. */
function release(caller: Caller): void {
  const next = caller.queue?.shift();
  if (next) next();
  else caller.inFlight--;
}
