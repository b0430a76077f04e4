import { ConsentDecision, LatchkeyError } from '@latchkey/contracts';
import type { ConsentDecision as Decision, ConsentPrompt } from '@latchkey/contracts';
import type { BrokerEvents } from '../events.js';
import type { ConsentPrompter } from '../ports.js';

interface Pending {
  prompt: ConsentPrompt;
  resolve: (d: Decision) => void;
  reject: (e: Error) => void;
}

/**
 * The default prompter: pushes `consent:prompt` to the renderer and waits for
 * `consent:respond`. Any way out other than an explicit answer rejects, which the
 * ConsentService turns into a deny.
 */
export class EventPrompter implements ConsentPrompter {
  readonly #pending = new Map<string, Pending>();

  constructor(private readonly events: BrokerEvents) {}

  prompt(prompt: ConsentPrompt, signal: AbortSignal): Promise<Decision> {
    return new Promise<Decision>((resolve, reject) => {
      const done = () => {
        this.#pending.delete(prompt.promptId);
        this.events.emit('consent:resolved', { promptId: prompt.promptId });
      };
      const onAbort = () => {
        done();
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(prompt.promptId, {
        prompt,
        resolve: (d) => {
          signal.removeEventListener('abort', onAbort);
          done();
          resolve(d);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          done();
          reject(e);
        },
      });
      this.events.emit('consent:prompt', prompt);
    });
  }

  pending(): ConsentPrompt[] {
    return [...this.#pending.values()].map((p) => p.prompt);
  }

  respond(promptId: string, decision: Decision): void {
    const p = this.#pending.get(promptId);
    if (!p) throw new LatchkeyError('NOT_FOUND', 'This consent request is no longer open (it was answered, timed out or withdrawn)');
    p.resolve(ConsentDecision.parse(decision));
  }

  abortAll(reason: string): void {
    for (const p of [...this.#pending.values()]) p.reject(new Error(reason));
  }
}
