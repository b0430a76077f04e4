import { z } from 'zod';
import type { ChannelDef, ChannelMap } from './channels.js';
import { ErrorPayload, LatchkeyError, isLatchkeyError, validationError } from './errors.js';

export type ChannelInput<C extends ChannelDef> = z.input<C['input']>;
export type ChannelParsedInput<C extends ChannelDef> = z.output<C['input']>;
export type ChannelOutput<C extends ChannelDef> = z.output<C['output']>;

/** What crosses a transport: a value, or a typed error. Never a thrown stack. */
export const Result = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: ErrorPayload }),
]);
export type Result<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

export type Handlers<M extends ChannelMap, Ctx> = {
  [K in keyof M]: (input: ChannelParsedInput<M[K]>, ctx: Ctx) => ChannelOutput<M[K]> | Promise<ChannelOutput<M[K]>>;
};

export interface DispatchOptions<Ctx = unknown> {
  /** Called with failures that are not LatchkeyErrors, for the host's own log (no input echoed). */
  onInternalError?: (channel: string, error: unknown) => void;
  /**
   * A call refused before any handler ran: a channel the map does not have, or input its contract
   * refuses. For the transport's own audit of what a peer tried; `channel` is as the peer sent it.
   */
  onRefused?: (channel: string, why: 'unknown-channel' | 'invalid-input', ctx: Ctx) => void;
  /**
   * Runs each admitted call (input parsed, handler not yet run): a transport's throttle returns a
   * refusal instead of calling `run`, or counts what is running around it.
   */
  around?: (channel: string, ctx: Ctx, run: () => Promise<Result>) => Promise<Result>;
}

/**
 * Binds handlers to a channel map for any transport: parses the input with the channel's
 * schema, runs the handler, parses the output (strict schemas make a stray secret field fail
 * here rather than leave), and turns every failure into `{ code, message }`.
 */
export function createDispatcher<M extends ChannelMap, Ctx>(map: M, handlers: Handlers<M, Ctx>, options: DispatchOptions<Ctx> = {}) {
  return async function dispatch(channel: string, rawInput: unknown, ctx: Ctx): Promise<Result> {
    if (!Object.hasOwn(map, channel)) {
      options.onRefused?.(channel, 'unknown-channel', ctx);
      return { ok: false, error: { code: 'NOT_FOUND', message: `Unknown channel "${channel.slice(0, 100)}"` } };
    }
    const def = map[channel] as ChannelDef;
    let parsed;
    try {
      parsed = def.input.safeParse(rawInput);
    } catch {
      // A value too deep for a recursive schema throws RangeError out of safeParse. Transports
      // bound depth before this (bounded-json.ts); this keeps any other path typed, not fatal.
      options.onRefused?.(channel, 'invalid-input', ctx);
      return { ok: false, error: { code: 'VALIDATION', message: 'Invalid input: the value is too deeply nested' } };
    }
    if (!parsed.success) {
      options.onRefused?.(channel, 'invalid-input', ctx);
      return { ok: false, error: validationError(parsed.error).toPayload() };
    }
    const run = () => runHandler(channel, parsed.data, ctx);
    return options.around ? options.around(channel, ctx, run) : run();
  };

  async function runHandler(channel: string, input: unknown, ctx: Ctx): Promise<Result> {
    const def = map[channel] as ChannelDef;
    try {
      const handler = handlers[channel as keyof M] as (input: unknown, ctx: Ctx) => unknown;
      const value = await handler(input, ctx);
      const out = def.output.safeParse(value);
      if (!out.success) {
        options.onInternalError?.(channel, new Error(`output of ${channel} failed its contract`));
        return { ok: false, error: { code: 'INTERNAL', message: `The broker produced an invalid response for ${channel}` } };
      }
      return { ok: true, value: out.data };
    } catch (error) {
      if (isLatchkeyError(error)) return { ok: false, error: error.toPayload() };
      options.onInternalError?.(channel, error);
      return { ok: false, error: { code: 'INTERNAL', message: `Something went wrong in ${channel}` } };
    }
  }
}

type Split<S extends string> = S extends `${infer A}:${infer B}` ? [A, B] : never;
type Namespaces<M> = { [K in keyof M & string]: Split<K>[0] }[keyof M & string];

/** `connections:list` becomes `api.connections.list(input)`. */
export type ClientApi<M extends ChannelMap> = {
  [N in Namespaces<M>]: {
    [K in keyof M & string as Split<K>[0] extends N ? Split<K>[1] : never]: (
      ...args: {} extends ChannelInput<M[K]> ? [input?: ChannelInput<M[K]>] : [input: ChannelInput<M[K]>]
    ) => Promise<ChannelOutput<M[K]>>;
  };
};

export type Invoke = (channel: string, input: unknown) => Promise<Result>;

/**
 * Builds the typed API object from the channel map. Outputs are parsed on this side too, so
 * a compromised or buggy peer cannot hand the caller something the contract does not allow.
 */
export interface ClientOptions {
  /**
   * What a failed call rejects with. A LatchkeyError by default; the Electron preload rejects
   * with the plain `{ code, message, issues }` instead, because contextBridge copies only an
   * Error's message and the page would lose the code it acts on.
   */
  toError?: (error: ErrorPayload) => unknown;
  /**
   * Whether outputs are parsed again on this side (default true). A window's client passes
   * false: its peer is the broker's own dispatcher, which held every output to the same strict
   * contract before it left, so a second parse of a 10,000-row list only doubles its cost
   * (issue 10). Clients whose peer is not that dispatcher keep the default.
   */
  checkOutputs?: boolean;
}

export function createClient<M extends ChannelMap>(map: M, invoke: Invoke, options: ClientOptions = {}): ClientApi<M> {
  const toError = options.toError ?? ((e: ErrorPayload) => new LatchkeyError(e.code, e.message, e.issues));
  const checkOutputs = options.checkOutputs ?? true;
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const name of Object.keys(map)) {
    const [ns, method] = name.split(':') as [string, string];
    const def = map[name] as ChannelDef;
    (api[ns] ??= {})[method] = async (input?: unknown) => {
      const result = await invoke(name, input ?? {});
      if (!result.ok) throw toError(result.error);
      if (!checkOutputs) return result.value;
      const out = def.output.safeParse(result.value);
      if (!out.success) throw toError(validationError(out.error, `Invalid response from ${name}`).toPayload());
      return out.data;
    };
  }
  for (const ns of Object.values(api)) Object.freeze(ns);
  return Object.freeze(api) as unknown as ClientApi<M>;
}

export type EventMap = Record<string, z.ZodType>;

export interface BindEventsOptions {
  /** Called when an event fails its contract (it is dropped); for the host's own log, payload not echoed. */
  onInvalid?: (event: string, error: Error) => void;
}

/**
 * Fans the broker's events out to a transport: subscribes to every event of the map, parses
 * each payload with its contract (like an output: a strict schema turns a stray field into a
 * dropped event) and hands the parsed payload to `send`. Returns one function that unsubscribes all.
 */
export function bindEvents<E extends EventMap>(
  subscribe: (event: keyof E & string, listener: (payload: unknown) => void) => () => void,
  events: E,
  send: <K extends keyof E & string>(event: K, payload: z.output<E[K]>) => void,
  options: BindEventsOptions = {},
): () => void {
  const unsubscribers = (Object.keys(events) as (keyof E & string)[]).map((event) =>
    subscribe(event, (payload) => {
      const parsed = events[event]!.safeParse(payload);
      if (!parsed.success) {
        options.onInvalid?.(event, new Error(`event ${event} failed its contract`));
        return;
      }
      send(event, parsed.data as z.output<E[typeof event]>);
    }),
  );
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
