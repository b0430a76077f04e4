import type {
  AccessRequestInput,
  AccessResponse,
  ExtensionConnection,
  HttpFetchRequest,
  HttpFetchResponse,
  Json,
  McpCallResult,
  ProviderCategory,
  RedisCommandResult,
  SecretRef,
  SmtpMessage,
  SmtpSendResult,
  SqlQueryResult,
  WebhookSendResult,
  ChannelMap,
  ChannelOutput,
  ClientApi,
  ExtensionChannels,
} from '@latchkey/contracts';

export type RevealResult = ChannelOutput<ExtensionChannels['secrets:reveal']>;

/** A command handler gets JSON arguments and returns JSON (or nothing). */
export type CommandHandler = (args: Json) => Json | void | Promise<Json | void>;

export interface Disposable {
  dispose(): void;
}

/**
 * The shape a context must have for a channel map: one `ctx.<namespace>.<method>` per channel
 * (`sql:query` → `ctx.sql.query`), returning that channel's output. The arguments are free, so
 * the SDK can offer positional wrappers; what is derived is that every channel is there.
 */
export type ContextSurface<M extends ChannelMap> = {
  readonly [N in keyof ClientApi<M>]: {
    readonly [K in keyof ClientApi<M>[N]]: (...args: never[]) => ClientApi<M>[N][K] extends (...args: never[]) => infer Output ? Output : never;
  };
};

/** Compiles only when `T` offers every extension channel: a new channel fails the SDK's typecheck until it is exposed here. */
type CoversEveryChannel<T extends ContextSurface<ExtensionChannels>> = T;

/** The positional wrappers over `extensionChannels`, checked against the channel map by `CoversEveryChannel`. */
interface ChannelWrappers {
  readonly connections: {
    /**
     * Enough to choose a connection: id, name, provider, default, status — for the providers
     * asked for (or, without a query, those this extension declares and those it holds a grant
     * on). `config` and `secretFields` only for connections it holds an active grant on; never
     * a secret.
     */
    list(query?: { providerId?: string; category?: ProviderCategory }): Promise<ExtensionConnection[]>;
  };
  readonly secrets: {
    /** Asks the person (consent modal). Resolves with a SecretRef or a denial; never throws on "no". */
    requestAccess(input: AccessRequestInput): Promise<AccessResponse>;
    /** Only with a grant that carries the `reveal` scope, which the modal shows as a warning. */
    reveal(ref: SecretRef): Promise<RevealResult>;
  };
  readonly http: {
    /** The broker adds the credential; any origin other than the connection's base URL is refused. */
    fetch(ref: SecretRef, request: HttpFetchRequest): Promise<HttpFetchResponse>;
  };
  readonly sql: {
    /** Parameterised only: values go in `params`, never into the SQL text. */
    query(ref: SecretRef, sql: string, params?: Json[], options?: { maxRows?: number }): Promise<SqlQueryResult>;
  };
  readonly smtp: {
    send(ref: SecretRef, message: SmtpMessage): Promise<SmtpSendResult>;
  };
  readonly webhook: {
    send(ref: SecretRef, payload: Json, headers?: Record<string, string>): Promise<WebhookSendResult>;
  };
  readonly mcp: {
    callTool(ref: SecretRef, name: string, args?: Record<string, Json>): Promise<McpCallResult>;
  };
  readonly redis: {
    /** One read command as its words (`'GET', ['key']`); anything off the read allow-list is DENIED. */
    command(ref: SecretRef, command: string, args?: string[]): Promise<RedisCommandResult>;
  };
}

/**
 * What `activate` receives. Every call goes to the broker, which knows which extension is
 * calling from the channel it arrived on; nothing here can claim another identity.
 */
export type ExtensionContext = CoversEveryChannel<ChannelWrappers> & {
  readonly commands: {
    /** Makes `name` callable by the app (`host.runCommand(extensionId, name, args)`). */
    register(name: string, handler: CommandHandler): Disposable;
  };
};

export interface Extension {
  activate(ctx: ExtensionContext): void | Promise<void>;
}

/**
 * Types an extension. It returns its argument unchanged, so a bundled extension pays nothing
 * for it; a plain `.js` extension can skip it and use a JSDoc type instead (see README).
 */
export function defineExtension<E extends Extension>(extension: E): E {
  return extension;
}
