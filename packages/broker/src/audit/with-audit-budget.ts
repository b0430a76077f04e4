import type { ChannelMap, Handlers } from '@latchkey/contracts';
import type { CallContext } from '../types.js';
import type { AuditService } from './audit-service.js';

/**
 * Every handler first asks whether its caller may still write audit events. The budget is
 * taken per event by AuditService.record; this check takes nothing, so a call that would be
 * refused there is refused before it runs or writes anything (RATE_LIMITED).
 */
export function withAuditBudget<C extends ChannelMap>(handlers: Handlers<C, CallContext>, audit: AuditService): Handlers<C, CallContext> {
  const guarded: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers as Record<string, (input: unknown, context: CallContext) => unknown>)) {
    guarded[name] = (input: unknown, context: CallContext) => {
      audit.admit(context.requester);
      return handler(input, context);
    };
  }
  return guarded as Handlers<C, CallContext>;
}
