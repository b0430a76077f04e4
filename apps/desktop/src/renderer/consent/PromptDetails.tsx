import * as AlertDialog from '@radix-ui/react-alert-dialog';
import type { ConsentPrompt } from '@latchkey/contracts';
import { requesterLabel } from '../ui/format.js';

/** The call as the requester states it: HTTP method and path, SQL text, recipients. */
function IntentText({ intent }: { intent: NonNullable<ConsentPrompt['intent']> }) {
  switch (intent.kind) {
    case 'http':
      return <code>{`${intent.method} ${intent.path}`}</code>;
    case 'sql':
      return <pre className="consent-sql">{intent.sql}</pre>;
    case 'email':
      return (
        <span>
          send “{intent.subject}” to {intent.to.join(', ')}
        </span>
      );
    case 'call':
      return <span>{intent.summary}</span>;
  }
}

/**
 * Who asks, for which connection and target (or which secret variable), in their own words (set apart as a quotation so it
 * cannot pass for Latchkey's), and what each scope would allow, warnings first in colour.
 */
export function PromptDetails({ prompt }: { prompt: ConsentPrompt }) {
  return (
    <>
      <AlertDialog.Description asChild>
        <dl className="consent-facts">
          <dt>Who is asking</dt>
          <dd data-testid="consent-requester">{requesterLabel(prompt.requester)}</dd>
          {prompt.connection && (
            <>
              <dt>Connection</dt>
              <dd data-testid="consent-connection">
                {prompt.connection.name} <span className="muted">· {prompt.connection.providerName}</span>
                {prompt.connection.target && <span className="consent-target">{prompt.connection.target}</span>}
              </dd>
            </>
          )}
          {prompt.variable && (
            <>
              <dt>Secret variable</dt>
              <dd data-testid="consent-variable">
                <code>{prompt.variable.key}</code>
                {prompt.variable.description && <span className="muted"> · {prompt.variable.description}</span>}
              </dd>
            </>
          )}
          <dt>Their reason</dt>
          <dd data-testid="consent-reason" className="consent-reason">
            {prompt.reason}
          </dd>
          {prompt.intent && (
            <>
              <dt>They say this call will</dt>
              <dd data-testid="consent-intent" className="consent-intent">
                <IntentText intent={prompt.intent} />
              </dd>
            </>
          )}
        </dl>
      </AlertDialog.Description>

      <section aria-labelledby="lk-consent-scopes">
        <h3 id="lk-consent-scopes" className="consent-subtitle">
          If you allow it, it can:
        </h3>
        <ul className="consent-scopes">
          {prompt.scopes.map((s) => (
            <li key={s.scope} className={s.warning ? 'consent-scope consent-scope-warning' : 'consent-scope'} data-scope={s.scope}>
              {s.warning && <strong className="consent-warning-label">Warning: </strong>}
              {s.description}
            </li>
          ))}
        </ul>
        <p className="muted consent-note">
          {prompt.variable
            ? 'Its value leaves Latchkey: Latchkey cannot take it back, only refuse the next read.'
            : 'It never sees the stored credential unless a warning above says so; Latchkey adds it to each request.'}
        </p>
      </section>
    </>
  );
}
