import type { ChannelMap, Handlers } from '@latchkey/contracts';
import type { CallContext } from '../types.js';
import type { AuditService } from './audit-service.js';

/**
 * For handlers whose change is written before its audit event is appended (the app's connection
 * changes go through the journal): each first asks whether its caller may still write audit
 * events, so a call that would be refused there is refused before it runs (RATE_LIMITED). The
 * budget is taken per event by AuditService.record; this check takes nothing. Not for handlers
 * that record before they act (extension and agent calls): there the record decides, and a
 * coalesced use that writes nothing must never be refused here.
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
