import { useEffect, useRef } from 'react';

/**
 * What the command palette asks a screen to do. A command for a screen not shown yet waits in a
 * queue until that screen mounts and takes it, so "Open Orders DB" from the Audit screen works.
 */
export type AppCommand = { type: 'add-connection' } | { type: 'open-connection'; id: string } | { type: 'import' } | { type: 'export' } | { type: 'test-all' };

const EVENT = 'latchkey:app-command';
const queued: AppCommand[] = [];

export function sendAppCommand(command: AppCommand): void {
  queued.push(command);
  window.dispatchEvent(new CustomEvent(EVENT));
}

/** Runs `handle` for each command of `types`, queued before this mounted or sent after. */
export function useAppCommands(types: readonly AppCommand['type'][], handle: (command: AppCommand) => void): void {
  const latest = useRef(handle);
  latest.current = handle;
  const key = types.join(',');
  useEffect(() => {
    const wanted = new Set(key.split(','));
    const drain = () => {
      for (let i = 0; i < queued.length; ) {
        const command = queued[i]!;
        if (wanted.has(command.type)) {
          queued.splice(i, 1);
          latest.current(command);
        } else i++;
      }
    };
    drain();
    window.addEventListener(EVENT, drain);
    return () => window.removeEventListener(EVENT, drain);
  }, [key]);
}
