import type { Requester } from '@latchkey/contracts';

/** "Extension GitHub (github)", "Agent Release notes writer (agent.release-notes)", "This app". */
export function requesterLabel(requester: Requester): string {
  switch (requester.kind) {
    case 'extension':
      return `Extension ${requester.displayName} (${requester.id})`;
    case 'agent':
      // Over the requester socket the name is the client's own claim (MCP clientInfo): say so.
      return requester.id.startsWith('socket-')
        ? `Agent calling itself “${requester.displayName}” (${requester.id})`
        : `Agent ${requester.displayName} (${requester.id})`;
    case 'program':
      // A socket client states its own name: shown as its claim, the issued session id beside it.
      return `Program calling itself “${requester.displayName}” (${requester.id})`;
    case 'app':
      // In-process executors are named by the host app at wiring (broker.programs.executor(name)).
      return requester.id.startsWith('executor-') ? `Executor ${requester.displayName} (in this app)` : `${requester.displayName} (this app)`;
  }
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A timestamp for tables; `fallback` when there is none ("Never", "Until revoked"). */
export function formatDateTime(iso: string | null | undefined, fallback = '—'): string {
  if (!iso) return fallback;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? fallback : dateTime.format(date);
}
