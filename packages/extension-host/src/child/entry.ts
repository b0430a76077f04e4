/**
 * The process an extension runs in. Bundled into one file (build-runtime.ts) so that under
 * Node's permission model the child needs to read only this file and the extension's folder.
 */
import { LatchkeyError, type ErrorPayload, type Json, type Result } from '@latchkey/contracts';
import { createExtensionContext, type CommandHandler, type Extension } from '@latchkey/extension-sdk';
import { HostFrame } from '../protocol.js';
import { reportAccessDenials } from './denial-reporter.js';
import { connectToHost } from './port.js';

const port = connectToHost();
// Sent before any extension code is loaded, so the host can trust it: is the file-read limit on?
const permission = (process as { permission?: { has(scope: string, reference?: string): boolean } }).permission;
port.send({ t: 'hello', permission: permission !== undefined && !permission.has('fs.read', '/') });
reportAccessDenials((what, resource) => port.send({ t: 'denied', permission: what, resource }));
const pending = new Map<number, (result: Result) => void>();
const commands = new Map<string, CommandHandler>();
let nextCallId = 0;
let activated = false;

function invoke(channel: string, input: unknown): Promise<Result> {
  return new Promise((resolve) => {
    const id = nextCallId++;
    try {
      port.send({ t: 'call', id, channel, input });
      pending.set(id, resolve);
    } catch (error) {
      resolve({ ok: false, error: toError(error) });
    }
  });
}

function toError(error: unknown): ErrorPayload {
  if (error instanceof LatchkeyError) return error.toPayload();
  return { code: 'INTERNAL', message: error instanceof Error ? error.message.slice(0, 1000) : 'The command failed' };
}

async function activate(main: string): Promise<void> {
  if (activated) return;
  activated = true;
  try {
    const mod = (await import(main)) as { default?: Extension; activate?: Extension['activate'] };
    const extension = mod.default ?? (mod.activate ? { activate: mod.activate } : undefined);
    if (!extension || typeof extension.activate !== 'function') throw new Error('The extension exports no activate(ctx) function');
    await extension.activate(createExtensionContext({ invoke, commands }));
    port.send({ t: 'ready' });
  } catch (error) {
    port.send({ t: 'activate-failed', message: (error instanceof Error ? error.message : String(error)).slice(0, 2000) });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 10).unref();
  }
}

async function runCommand(id: number, name: string, args: Json): Promise<void> {
  const handler = commands.get(name);
  if (!handler) {
    port.send({ t: 'command-result', id, result: { ok: false, error: { code: 'NOT_FOUND', message: `No command "${name}"` } } });
    return;
  }
  try {
    const value = await handler(args);
    port.send({ t: 'command-result', id, result: { ok: true, value: value === undefined ? null : value } });
  } catch (error) {
    port.send({ t: 'command-result', id, result: { ok: false, error: toError(error) } });
  }
}

port.onFrame((raw) => {
  const parsed = HostFrame.safeParse(raw);
  if (!parsed.success) return;
  const frame = parsed.data;
  switch (frame.t) {
    case 'activate':
      void activate(frame.main);
      return;
    case 'result': {
      const resolve = pending.get(frame.id);
      pending.delete(frame.id);
      resolve?.(frame.result as Result);
      return;
    }
    case 'command':
      void runCommand(frame.id, frame.name, frame.args);
      return;
  }
});
