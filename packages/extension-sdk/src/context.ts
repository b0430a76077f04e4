import { createClient, extensionChannels, LatchkeyError, type Invoke } from '@latchkey/contracts';
import type { CommandHandler, Disposable, ExtensionContext } from './extension.js';

export const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;

export interface ContextOptions {
  /** Sends one call over the extension's channel and resolves with the broker's `Result`. */
  invoke: Invoke;
  /** Where command handlers live; the runtime looks them up when the app runs a command. */
  commands: Map<string, CommandHandler>;
}

/**
 * Builds the `ctx` an extension's `activate` receives: the typed client of
 * `extensionChannels` (outputs parsed on this side too) with thin positional wrappers.
 */
export function createExtensionContext({ invoke, commands }: ContextOptions): ExtensionContext {
  const api = createClient(extensionChannels, invoke);
  return Object.freeze({
    connections: Object.freeze({ list: (query = {}) => api.connections.list(query) }),
    secrets: Object.freeze({
      requestAccess: (input) => api.secrets.requestAccess(input),
      reveal: (ref) => api.secrets.reveal({ ref }),
    }),
    http: Object.freeze({ fetch: (ref, request) => api.http.fetch({ ref, request }) }),
    sql: Object.freeze({
      query: (ref, sql, params = [], options = {}) => api.sql.query({ ref, query: { sql, params, ...options } }),
    }),
    smtp: Object.freeze({ send: (ref, message) => api.smtp.send({ ref, message }) }),
    webhook: Object.freeze({ send: (ref, payload, headers = {}) => api.webhook.send({ ref, request: { payload, headers } }) }),
    mcp: Object.freeze({ callTool: (ref, name, args = {}) => api.mcp.callTool({ ref, call: { name, args } }) }),
    redis: Object.freeze({ command: (ref, command, args = []) => api.redis.command({ ref, command, args }) }),
    commands: Object.freeze({
      register(name: string, handler: CommandHandler): Disposable {
        if (!COMMAND_NAME.test(name)) throw new LatchkeyError('VALIDATION', `Command names are identifiers like "listRepositories", not "${name.slice(0, 40)}"`);
        if (typeof handler !== 'function') throw new LatchkeyError('VALIDATION', `Command ${name} needs a handler function`);
        if (commands.has(name)) throw new LatchkeyError('CONFLICT', `Command ${name} is already registered`);
        commands.set(name, handler);
        return { dispose: () => void (commands.get(name) === handler && commands.delete(name)) };
      },
    }),
  } satisfies ExtensionContext);
}
