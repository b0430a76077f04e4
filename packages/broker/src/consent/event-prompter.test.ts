/**
 * EventPrompter, as rules: it asks the person through the renderer (`consent:prompt`) and
 * waits for `consent:respond`. Only an explicit answer resolves; every other way out rejects
 * (which the ConsentService turns into a deny).
 */
import type { ConsentPrompt } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { BrokerEvents } from '../events.js';
import { EventPrompter } from './event-prompter.js';

function prompt(promptId: string): ConsentPrompt {
  return {
    promptId,
    requester: { kind: 'extension', id: 'ask.ext', displayName: 'Asker' },
    connection: { id: 'conn-1', name: 'API', providerName: 'HTTP', target: 'https://api.example' },
    reason: 'sync',
    scopes: [{ scope: 'http.fetch', description: 'Send HTTP requests', warning: false }],
    deadline: '2026-01-01T00:00:00.000Z',
  };
}

function setup() {
  const events = new BrokerEvents();
  const prompted: ConsentPrompt[] = [];
  const resolved: string[] = [];
  events.on('consent:prompt', (p) => prompted.push(p));
  events.on('consent:resolved', (r) => resolved.push(r.promptId));
  return { prompter: new EventPrompter(events), prompted, resolved };
}

describe('EventPrompter', () => {
  it('pushes consent:prompt with the prompt, and lists it as pending until answered', () => {
    const t = setup();
    void t.prompter.prompt(prompt('p1'), new AbortController().signal);
    expect(t.prompted).toEqual([prompt('p1')]);
    expect(t.prompter.pending()).toEqual([prompt('p1')]);
  });

  it('resolves with the decision given to respond, then the prompt is no longer pending', async () => {
    const t = setup();
    const answer = t.prompter.prompt(prompt('p1'), new AbortController().signal);
    t.prompter.respond('p1', { decision: 'always', duration: '1h' });
    await expect(answer).resolves.toEqual({ decision: 'always', duration: '1h' });
    expect(t.prompter.pending()).toEqual([]);
    expect(t.resolved).toEqual(['p1']);
  });

  it('answers each open prompt on its own', async () => {
    const t = setup();
    const a = t.prompter.prompt(prompt('a'), new AbortController().signal);
    const b = t.prompter.prompt(prompt('b'), new AbortController().signal);
    expect(t.prompter.pending().map((p) => p.promptId)).toEqual(['a', 'b']);
    t.prompter.respond('b', { decision: 'deny' });
    await expect(b).resolves.toEqual({ decision: 'deny' });
    expect(t.prompter.pending().map((p) => p.promptId)).toEqual(['a']);
    t.prompter.respond('a', { decision: 'once' });
    await expect(a).resolves.toEqual({ decision: 'once' });
  });

  it('refuses a malformed decision with a typed error, and the prompt stays open', async () => {
    const t = setup();
    const answer = t.prompter.prompt(prompt('p1'), new AbortController().signal);
    expect(() => t.prompter.respond('p1', { decision: 'forever' } as never)).toThrow();
    expect(t.prompter.pending()).toHaveLength(1);
    t.prompter.respond('p1', { decision: 'deny' });
    await expect(answer).resolves.toEqual({ decision: 'deny' });
  });

  it('answering a prompt that is not open (unknown, or already answered) is NOT_FOUND', async () => {
    const t = setup();
    expect(() => t.prompter.respond('nope', { decision: 'once' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const answer = t.prompter.prompt(prompt('p1'), new AbortController().signal);
    t.prompter.respond('p1', { decision: 'once' });
    await answer;
    expect(() => t.prompter.respond('p1', { decision: 'always', duration: '1h' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('rejects when the request is aborted (caller gone or deadline passed), and withdraws the prompt', async () => {
    const t = setup();
    const ctl = new AbortController();
    const answer = t.prompter.prompt(prompt('p1'), ctl.signal);
    ctl.abort(new Error('consent timed out'));
    await expect(answer).rejects.toThrow('consent timed out');
    expect(t.prompter.pending()).toEqual([]);
    expect(t.resolved).toEqual(['p1']);
    expect(() => t.prompter.respond('p1', { decision: 'once' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('rejects at once, without asking, when the signal is already aborted', async () => {
    const t = setup();
    const ctl = new AbortController();
    ctl.abort('gone');
    await expect(t.prompter.prompt(prompt('p1'), ctl.signal)).rejects.toThrow('gone');
    expect(t.prompted).toEqual([]);
    expect(t.prompter.pending()).toEqual([]);
  });

  it('an abort after the answer changes nothing', async () => {
    const t = setup();
    const ctl = new AbortController();
    const answer = t.prompter.prompt(prompt('p1'), ctl.signal);
    t.prompter.respond('p1', { decision: 'once' });
    ctl.abort(new Error('late'));
    await expect(answer).resolves.toEqual({ decision: 'once' });
    expect(t.resolved).toEqual(['p1']);
  });

  it('abortAll rejects every open prompt with the reason and leaves none pending', async () => {
    const t = setup();
    const a = t.prompter.prompt(prompt('a'), new AbortController().signal);
    const b = t.prompter.prompt(prompt('b'), new AbortController().signal);
    t.prompter.abortAll('window closed');
    await expect(a).rejects.toThrow('window closed');
    await expect(b).rejects.toThrow('window closed');
    expect(t.prompter.pending()).toEqual([]);
    expect(t.resolved.sort()).toEqual(['a', 'b']);
  });
});
