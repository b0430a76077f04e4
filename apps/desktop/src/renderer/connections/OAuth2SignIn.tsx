import { useEffect, useState } from 'react';
import type { Connection, LatchkeyApi, ProviderInfo } from '@latchkey/contracts';
import { useApi } from '../api';
import { errorMessage } from '../ui/errors';

/** The secret field the broker keeps an OAuth2 connection's tokens in; the page sees only that it is set. */
const TOKEN_FIELD = 'oauth2Token';

export type SignInState = { kind: 'idle' } | { kind: 'starting' } | { kind: 'waiting'; url: string; userCode?: string } | { kind: 'error'; message: string };

/**
 * Starts a sign-in. The broker waits for the provider's redirect on a loopback port; the sign-in
 * page opens in the system browser (Electron, opened by the main process) or in a new tab here.
 */
export async function startSignIn(api: LatchkeyApi, id: string): Promise<SignInState> {
  try {
    const started = await api.connections.signIn({ id });
    if (!started.authorizeUrl) return { kind: 'idle' };
    if (!started.opened) window.open(started.authorizeUrl, '_blank', 'noopener,noreferrer');
    return { kind: 'waiting', url: started.authorizeUrl, ...(started.userCode ? { userCode: started.userCode } : {}) };
  } catch (error) {
    return { kind: 'error', message: errorMessage(error) };
  }
}

/** "Sign in" / "Sign in again" on a saved OAuth2 connection, with where its sign-in stands. */
export function OAuth2SignIn({ connection, provider }: { connection: Connection; provider: ProviderInfo }) {
  const api = useApi();
  const [state, setState] = useState<SignInState>({ kind: 'idle' });
  const signedIn = connection.secretFields[TOKEN_FIELD] === 'set';
  const expired = connection.status === 'expired';
  // The broker says when the redirect landed (connections:changed reloads the connection).
  useEffect(() => {
    if (signedIn) setState((s) => (s.kind === 'waiting' ? { kind: 'idle' } : s));
  }, [signedIn, connection.updatedAt]);
  const grant = provider.manifest.oauth2?.grant ?? 'authorization_code';
  return (
    <section className="oauth2-sign-in" aria-label="Sign-in">
      <p role="status" className={expired ? 'field-error' : undefined}>
        {expired ? `Sign-in expired${connection.lastTest?.message ? `: ${connection.lastTest.message}` : ''}` : signedIn ? 'Signed in' : 'Not signed in yet'}
      </p>
      {state.kind === 'waiting' && state.userCode && (
        <p>
          Enter the code <strong className="user-code">{state.userCode}</strong> on the provider&apos;s page to sign in.
        </p>
      )}
      {state.kind === 'waiting' && (
        <p>
          Finish signing in in your browser.{' '}
          <a href={state.url} target="_blank" rel="noopener noreferrer">
            Open the sign-in page
          </a>
        </p>
      )}
      {state.kind === 'error' && (
        <p role="alert" className="form-error">
          {state.message}
        </p>
      )}
      <button
        type="button"
        disabled={state.kind === 'starting'}
        onClick={() => {
          setState({ kind: 'starting' });
          void startSignIn(api, connection.id).then(setState);
        }}
      >
        {signedIn || expired ? (grant === 'client_credentials' ? 'Get a new token' : 'Sign in again') : 'Sign in'}
      </button>
    </section>
  );
}

/** Checkboxes for the scopes the manifest offers, kept in step with the space-separated scopes field. */
export function ScopeChoices({ provider, value, onChange }: { provider: ProviderInfo; value: string; onChange(next: string): void }) {
  const offered = provider.manifest.oauth2?.scopes ?? [];
  if (!offered.length) return null;
  const chosen = new Set(value.split(/\s+/).filter(Boolean));
  const toggle = (scope: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(scope);
    else next.delete(scope);
    onChange([...next].join(' '));
  };
  return (
    <fieldset className="field scope-choices">
      <legend className="field-label">Permissions to ask for</legend>
      {offered.map((s) => (
        <label key={s.value} className="checkbox">
          <input type="checkbox" checked={chosen.has(s.value)} onChange={(e) => toggle(s.value, e.target.checked)} /> {s.label ?? s.value}
        </label>
      ))}
    </fieldset>
  );
}
