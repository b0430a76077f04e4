import type { ConsentDecision, ConsentPrompt, LatchkeyApi } from '@latchkey/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorCode, errorMessage } from '../ui/errors.js';

/**
 * The prompts waiting on the person, oldest first, and the one way to answer them. Subscribes
 * before it asks for the backlog (a prompt raised in between is not missed), drops a prompt the
 * broker closed on its own, and answers each prompt at most once: a double click or a late
 * countdown tick cannot answer twice. A failed delivery keeps the prompt on screen to answer
 * again; the broker still denies at its deadline.
 */
export function useConsentQueue(api: LatchkeyApi) {
  const [queue, setQueue] = useState<ConsentPrompt[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Prompts already answered, so a double click or a late tick cannot answer twice. */
  const answered = useRef(new Set<string>());

  const enqueue = useCallback((prompts: ConsentPrompt[]) => {
    setQueue((current) => {
      const known = new Set(current.map((p) => p.promptId));
      const fresh = prompts.filter((p) => !known.has(p.promptId) && !answered.current.has(p.promptId));
      return fresh.length ? [...current, ...fresh] : current;
    });
  }, []);
  const drop = useCallback((promptId: string) => {
    setQueue((current) => current.filter((p) => p.promptId !== promptId));
  }, []);

  useEffect(() => {
    let live = true;
    // Subscribe before asking for the backlog, so a prompt raised in between is not missed.
    const offPrompt = api.on('consent:prompt', (prompt) => enqueue([prompt]));
    const offResolved = api.on('consent:resolved', ({ promptId }) => drop(promptId));
    api.consent
      .pending()
      .then((prompts) => {
        if (live) enqueue(prompts);
      })
      .catch((error: unknown) => {
        if (live) setFailure(errorMessage(error, 'Could not load pending access requests.'));
      });
    return () => {
      live = false;
      offPrompt();
      offResolved();
    };
  }, [api, enqueue, drop]);

  const respond = useCallback(
    async (prompt: ConsentPrompt, response: ConsentDecision) => {
      if (answered.current.has(prompt.promptId)) return;
      answered.current.add(prompt.promptId);
      setBusy(true);
      setFailure(null);
      try {
        await api.consent.respond({ promptId: prompt.promptId, response });
        drop(prompt.promptId);
      } catch (error) {
        if (errorCode(error) === 'NOT_FOUND') {
          // The broker already closed it: its own timeout, or another window answered.
          drop(prompt.promptId);
        } else {
          // Keep it on screen so the person can answer again; the broker still denies at the deadline.
          answered.current.delete(prompt.promptId);
          setFailure(errorMessage(error, 'Your answer could not be delivered. Try again.'));
        }
      } finally {
        setBusy(false);
      }
    },
    [api, drop],
  );
  const deny = useCallback((prompt: ConsentPrompt) => void respond(prompt, { decision: 'deny' }), [respond]);

  return { queue, current: queue[0], busy, failure, setFailure, respond, deny };
}
