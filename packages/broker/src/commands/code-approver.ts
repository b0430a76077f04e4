import { randomInt, timingSafeEqual } from 'node:crypto';
import { LatchkeyError, codeLoadingWarning } from '@latchkey/contracts';
import type { CommandPrompt } from '@latchkey/contracts';
import { nanoid } from 'nanoid';
import { iso } from '../clock.js';
import type { BrokerEvents } from '../events.js';
import type { Clock, CommandApprovalRequest, CommandApprover } from '../ports.js';
import { displayCommandLine, showable } from './command-key.js';

export interface CodeApproverOptions {
  /** Shows the line with the code where the page cannot read it (the host's terminal). */
  announce: (line: string) => void;
  /** Where that is, in words, for the page's dialog. */
  codeShownIn: string;
  timeoutMs: number;
}

/** Wrong codes in a row after which prompts pause, and for how long: guessing costs hours, not seconds. */
const WRONG_CODES_BEFORE_PAUSE = 3;
const PAUSE_MS = 10 * 60_000;
/** Open prompts at once; more are denied without printing (a page cannot flood the terminal). */
const MAX_OPEN_PROMPTS = 4;

interface Pending {
  prompt: CommandPrompt;
  code: string;
  settle: (approved: boolean) => void;
}

/** "482913" → "482-913"; what the person types is compared without spaces and dashes. */
const spoken = (code: string) => `${code.slice(0, 3)}-${code.slice(3)}`;
const normalise = (typed: string) => typed.replace(/[\s-]/g, '');

/**
 * The headless host's command-line consent: a fresh six-digit code per command line, printed in
 * the terminal that started the host, typed by the person into the page's dialog. The page gets
 * the command line but never the code, so a page script alone cannot approve anything. One try:
 * a wrong code denies the prompt (a script guessing gets one chance in a million per prompt, and
 * each prompt is a line the person sees in their terminal).
 */
export class CodeApprover implements CommandApprover {
  readonly #pending = new Map<string, Pending>();
  #wrongInARow = 0;
  #pausedUntil = 0;

  constructor(
    private readonly events: BrokerEvents,
    private readonly clock: Clock,
    private readonly o: CodeApproverOptions,
  ) {}

  approve(request: CommandApprovalRequest, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (signal.aborted || this.#pending.size >= MAX_OPEN_PROMPTS) return resolve(false);
      if (this.clock.now() < this.#pausedUntil) return resolve(false);
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const prompt: CommandPrompt = {
        promptId: nanoid(16),
        connectionName: request.connectionName,
        command: request.command,
        args: request.args,
        envNames: request.envNames,
        codeShownIn: this.o.codeShownIn,
        expiresAt: iso(this.clock.now() + this.o.timeoutMs),
        ...(request.purpose ? { purpose: request.purpose } : {}),
      };
      const onAbort = () => settle(false);
      const settle = (approved: boolean) => {
        if (!this.#pending.delete(prompt.promptId)) return;
        signal.removeEventListener('abort', onAbort);
        this.events.emit('commands:resolved', { promptId: prompt.promptId });
        resolve(approved);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(prompt.promptId, { prompt, code, settle });
      const warning = codeLoadingWarning(request.envNames.map(showable));
      const env = request.envNames.length ? ` with ${request.envNames.map(showable).join(', ')} set${warning ? ` (careful: ${warning})` : ''}` : '';
      if (request.purpose) this.o.announce(`Latchkey: to confirm “${showable(request.purpose.title)}”, type ${spoken(code)} in the app`);
      else this.o.announce(`Latchkey: to allow the command \`${displayCommandLine(request)}\`${env} (${showable(request.connectionName)}), type ${spoken(code)} in the app`);
      this.events.emit('commands:prompt', prompt);
    });
  }

  pending(): CommandPrompt[] {
    return [...this.#pending.values()].map((p) => p.prompt);
  }

  /** The person's answer from the page: the right code approves; anything else denies this prompt. */
  confirm(promptId: string, typed: string): { approved: boolean } {
    const p = this.#pending.get(promptId);
    if (!p) throw new LatchkeyError('NOT_FOUND', 'This command prompt is no longer open (it was answered, timed out or withdrawn)');
    const given = Buffer.from(normalise(typed));
    const expected = Buffer.from(p.code);
    const approved = given.length === expected.length && timingSafeEqual(given, expected);
    if (approved) this.#wrongInARow = 0;
    else if (typed.trim() !== '' && ++this.#wrongInARow >= WRONG_CODES_BEFORE_PAUSE) {
      this.#wrongInARow = 0;
      this.#pausedUntil = this.clock.now() + PAUSE_MS;
      this.o.announce(`Latchkey: ${WRONG_CODES_BEFORE_PAUSE} wrong codes in a row; no command can be approved for the next ${PAUSE_MS / 60_000} minutes`);
      for (const other of [...this.#pending.values()]) other.settle(false);
    }
    p.settle(approved);
    return { approved };
  }
}
