import { createDispatcher, extensionChannels, type ExtensionChannels, type Handlers, type Requester, type Result } from '@latchkey/contracts';
import type { CallContext } from '@latchkey/broker';

/** One process's calls: who it is (from the host's records) and how many calls it has open. */
export interface Caller {
  readonly requester: Requester;
  inFlight: number;
}

export interface CallBoundaryOptions {
  handlers: Handlers<ExtensionChannels, CallContext>;
  maxInFlight: number;
  /** Audits a refusal the broker never sees (it is decided here). */
  refuse: (caller: Caller, detail: string) => void;
}

export const safeName = (s: string) => s.replace(/[^A-Za-z0-9:._-]/g, '?').slice(0, 60);

/**
 * Where an extension's call enters the broker. Only `extensionChannels` exist here (no app
 * channel is reachable, however it is spelled); the input is parsed by the channel's contract;
 * the requester is the caller's, whatever the payload says.
 */
export function createCallBoundary({ handlers, maxInFlight, refuse }: CallBoundaryOptions) {
  // One parse per call: the dispatcher's. Refusals and the in-flight cap hook into it.
  const dispatch = createDispatcher<ExtensionChannels, CallContext & { caller: Caller }>(extensionChannels, handlers, {
    onInternalError: (channel, error) => console.error(`extension host: ${channel} failed`, error),
    onRefused: (channel, why, { caller }) =>
      refuse(caller, why === 'unknown-channel' ? `Called unknown extension channel "${safeName(channel)}"` : `Invalid input for ${channel}`),
    around: async (channel, { caller }, run) => {
      if (caller.inFlight >= maxInFlight) {
        refuse(caller, `Too many open calls (${maxInFlight}); ${channel} refused`);
        return { ok: false, error: { code: 'THROTTLED', message: 'Too many calls at once; wait for earlier ones to finish' } };
      }
      caller.inFlight++;
      try {
        return await run();
      } finally {
        caller.inFlight--;
      }
    },
  });
  return async function call(caller: Caller, channel: string, input: unknown): Promise<Result> {
    const result = await dispatch(channel, input, { requester: caller.requester, caller });
    // The channel name a peer sent is echoed only in a safe form.
    if (!result.ok && result.error.code === 'NOT_FOUND' && !Object.hasOwn(extensionChannels, channel)) {
      return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown channel "${safeName(channel)}"` } };
    }
    return result;
  };
}
