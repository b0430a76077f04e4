import { useState } from 'react';
import type { Connection, LatchkeyApi } from '@latchkey/contracts';
import { errorMessage } from '../ui/errors';

export interface TestAllState {
  running: boolean;
  done: number;
  total: number;
  passed: number;
  failures: { name: string; message: string }[];
}

/** Tests at once: a few side by side, so forty connections take seconds, not a queue of timeouts. */
const SIDE_BY_SIDE = 4;

/** "Test all": every connection tested, and a summary of what works and what does not (and why). */
export function useTestAll(api: LatchkeyApi, reload: () => Promise<unknown>) {
  const [state, setState] = useState<TestAllState | null>(null);

  async function run(connections: Connection[]) {
    const queue = [...connections];
    let done = 0;
    let passed = 0;
    const failures: TestAllState['failures'] = [];
    setState({ running: true, done, total: queue.length, passed, failures: [] });
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        try {
          const result = await api.connections.test({ id: c.id });
          if (result.ok) passed++;
          else failures.push({ name: c.name, message: result.message });
        } catch (error) {
          failures.push({ name: c.name, message: errorMessage(error) });
        }
        done++;
        setState({ running: true, done, total: connections.length, passed, failures: [...failures] });
      }
    };
    await Promise.all(Array.from({ length: Math.min(SIDE_BY_SIDE, queue.length) }, worker));
    setState({ running: false, done, total: connections.length, passed, failures });
    await reload();
  }

  return { state, run, clear: () => setState(null) };
}
