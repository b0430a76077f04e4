import { LatchkeyError } from '@latchkey/contracts';
import type { AccessIntent, Scope } from '@latchkey/contracts';
import type { Session } from '../session.js';

/**
 * The SecretRefs one MCP session holds, by connection and scope. The agent never sees a ref: it
 * names a connection, and a tool call without a live ref asks the person first (the reason the
 * agent gave, and what this call will do). Refs are bound to this session's issued identity, so
 * they would be useless anywhere else anyway; they die when the session ends.
 */
export class AgentRefs {
  readonly #refs = new Map<string, { ref: string; expiresAt: number }>();

  constructor(private readonly session: () => Promise<Session>) {}

  async request(connectionId: string, scopes: Scope[], reason: string, intent?: AccessIntent): Promise<{ granted: true; expiresAt: string } | { granted: false; reason: string; message: string }> {
    const s = await this.session();
    const answer = await s.api.secrets.requestAccess({ connectionId, scopes, reason: reason.slice(0, 500), ...(intent ? { intent } : {}) });
    if (!answer.granted) return { granted: false, reason: answer.reason, message: answer.message };
    for (const scope of scopes) this.#refs.set(`${connectionId}|${scope}`, { ref: answer.secretRef, expiresAt: Date.parse(answer.expiresAt) });
    return { granted: true, expiresAt: answer.expiresAt };
  }

  /**
   * Runs `use` with a live ref for the scope, asking for one first when there is none; a ref the
   * broker refuses (spent "allow once", expired, revoked) is dropped and asked for once more.
   */
  async with<T>(connectionId: string, scope: Scope, reason: string, intent: AccessIntent, use: (s: Session, ref: string) => Promise<T>): Promise<T> {
    const key = `${connectionId}|${scope}`;
    const s = await this.session();
    const held = this.#refs.get(key);
    if (held && held.expiresAt > Date.now()) {
      try {
        return await use(s, held.ref);
      } catch (error) {
        if (!(error instanceof LatchkeyError) || error.code !== 'DENIED') throw error;
        this.#refs.delete(key);
      }
    }
    const answer = await this.request(connectionId, [scope], reason, intent);
    if (!answer.granted) throw new LatchkeyError('DENIED', `The person did not allow this: ${answer.message}`);
    const fresh = this.#refs.get(key)!;
    return use(s, fresh.ref);
  }
}
