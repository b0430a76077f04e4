import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { tempDir } from './test-helpers.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** Starts the writer child, lets it acknowledge `rounds` rounds, then SIGKILLs it at a random moment. */
function killMidWrite(dir: string, rounds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/writer-child.ts', dir], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let killing = false;
    let acked = -1;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/ack (\d+)/g)) acked = Math.max(acked, Number(match[1]));
      if (acked >= rounds && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 40);
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited (${code}): ${stderr}`))));
  });
}

describe('a process killed in the middle of writing (SIGKILL, no chance to clean up)', () => {
  it('leaves every file readable and keeps every acknowledged change', async () => {
    const dir = tempDir();
    let base = 0; // each run's audit events continue the chain where the last run's durable tail was
    for (let run = 0; run < 5; run++) {
      const acked = await killMidWrite(dir, 10);
      // The dead writer's lock is taken over; nothing is corrupt, so nothing is moved aside.
      const store = await openFileStore(dir);
      expect(store.connections.all().length).toBeGreaterThanOrEqual(1500 + acked);
      expect(store.problems()).toEqual([]);
      expect(readdirSync(dir).filter((name) => name.includes('corrupt'))).toEqual([]);
      for (let n = 0; n <= acked; n++) {
        expect(store.connections.get(`conn-${n}`)?.name, `round ${n} of ${acked}`).toBe(`Round ${n}`);
        expect(store.secrets.get(`sec-${n}`)).toHaveLength(64);
      }
      // Every acknowledged event is there, in order, and the tail is at least the last one.
      const seqs = [...store.audit.lines()].flatMap((line) => {
        try {
          return [(JSON.parse(line.text) as { seq: number }).seq];
        } catch {
          return []; // a line torn by the kill; verify would report it
        }
      });
      const lastRun = seqs.slice(seqs.indexOf(base));
      expect(lastRun.slice(0, acked + 1)).toEqual(Array.from({ length: acked + 1 }, (_, i) => base + i));
      expect(store.audit.tail()!.seq).toBeGreaterThanOrEqual(base + acked);
      base = store.audit.tail()!.seq + 1;
      await store.close();
    }
  }, 120_000);
});
