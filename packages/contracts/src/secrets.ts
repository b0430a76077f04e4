import { z } from 'zod';

/** What a SecretRef may be used for. `reveal` is separate and spelled out in the consent modal. */
export const Scope = z.enum(['http.fetch', 'sql.query', 'smtp.send', 'webhook.send', 'mcp.callTool', 'redis.command', 'reveal']);
export type Scope = z.infer<typeof Scope>;

/** Opaque, unguessable, bound to one requester, connection, scope set and expiry. */
export const SecretRef = z
  .string()
  .regex(/^lkref_[A-Za-z0-9_-]{32}$/, 'Not a SecretRef')
  .brand<'SecretRef'>();
export type SecretRef = z.infer<typeof SecretRef>;

/** What a scope lets a requester do, in words for the consent modal. */
export function describeScope(scope: Scope, target: string): string {
  switch (scope) {
    case 'http.fetch':
      return `send authenticated requests to ${target}`;
    case 'sql.query':
      return `run SQL queries on ${target}`;
    case 'smtp.send':
      return `send email through ${target}`;
    case 'webhook.send':
      return `send signed webhook calls to ${target}`;
    case 'mcp.callTool':
      return `call tools on ${target}`;
    case 'redis.command':
      return `run read-only Redis commands on ${target}`;
    case 'reveal':
      return 'read the password itself (the secret leaves Latchkey)';
  }
}
