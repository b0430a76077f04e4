import { lstat } from 'node:fs/promises';
import { LatchkeyError } from '@latchkey/contracts';
import type { Launcher } from '../plan.js';
import { readAgentConfigFile, replaceAgentConfigFile } from './config-file.js';
import { knownAgentConfigs, type MachineLayout } from './known-files.js';

const STRICT = { strict: true } as const;

/**
 * The hosts' agent-config files (the broker's `AgentConfigFiles` port): the agents' usual files
 * that exist on this machine, and page-named files read and replaced under the strict policy.
 */
export function createAgentConfigFiles(options: { machine: MachineLayout; launcher: Launcher | null }) {
  return {
    launcher: options.launcher,
    async known(): Promise<{ agent: string; path: string; problem: string | null }[]> {
      const found: { agent: string; path: string; problem: string | null }[] = [];
      for (const k of knownAgentConfigs(options.machine)) {
        if (!(await lstat(k.path).then(() => true, () => false))) continue;
        const problem = await readAgentConfigFile(k.path, STRICT).then(
          () => null,
          (error: unknown) => (error instanceof LatchkeyError ? error.message : 'It could not be read.'),
        );
        found.push({ ...k, problem });
      }
      return found;
    },
    read: (path: string) => readAgentConfigFile(path, STRICT),
    replace: (path: string, original: string, next: string, now: Date) => replaceAgentConfigFile(path, original, next, { ...STRICT, now }),
  };
}
