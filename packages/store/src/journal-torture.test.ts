/**
 * kill -9 aimed at the journal's steps: the child kills itself at the n-th time it reaches a
 * point inside an append (half a record written; written, not synced; synced), a compaction
 * (half the snapshot's temp file; before and after its rename, i.e. before the journal is cut)
 * or a journal cut (half the rewritten journal; before and after its rename). After each kill the
 * folder is opened again and checked:
 * - every acknowledged change survived (secret and connection pair at least at the last ack);
 * - nothing unacknowledged half-applied: a commit's two records are both there at the same
 *   version or both gone, at most one unacknowledged step landed, and a record never points
 *   past its secret (the blob goes first);
 * - the store reports no problem and nothing is moved aside.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { tempDir } from './test-helpers.js';
import { seededRandom } from './testing/torture-support.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const POINTS = [
  'journal-write-half',
  'journal-before-sync',
  'journal-after-sync',
  'snapshot-write-half',
  'snapshot-before-rename',
  'snapshot-after-rename',
  'journal-rewrite-write-half',
  'journal-rewrite-after-rename',
] as const;
const ROUNDS_PER_POINT = Number(process.env.LATCHKEY_JOURNAL_TORTURE_ROUNDS ?? 2);

/** Runs the child until it kills itself; returns the highest acknowledged version per worker, and whether it died at the point. */
function runUntilKilled(dir: string, point: string, hit: number): Promise<{ acks: Map<number, number>; reachedPoint: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/journal-torture-child.ts', dir, point, String(hit)], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const acks = new Map<number, number>();
    let buffered = '';
    let stderr = '';
    // A hang guard only: a point the run never reaches is ended from outside, and says so.
    let guard = false;
    const timer = setTimeout(() => ((guard = true), child.kill('SIGKILL')), 15_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const match = /^ack (\d) (\d+)$/.exec(line);
        if (match) acks.set(Number(match[1]), Math.max(acks.get(Number(match[1])) ?? 0, Number(match[2])));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ acks, reachedPoint: !guard });
      else reject(new Error(`the child exited (${code}) before the kill: ${stderr}`));
    });
  });
}

describe('kill -9 inside an append, a compaction and a journal cut (journal torture)', () => {
  it(`keeps every acknowledged change and half-applies nothing, ${ROUNDS_PER_POINT} kills at each of ${POINTS.length} points`, async () => {
    const dir = tempDir();
    const random = seededRandom(20261130);
    const acked = new Map<number, number>();
    const seen = new Map<number, number>();
    let reached = 0;
    const missed: string[] = [];
    for (let round = 0; round < ROUNDS_PER_POINT; round++) {
      for (const point of POINTS) {
        const hit = 1 + Math.floor(random() * 6);
        const run = await runUntilKilled(dir, point, hit);
        if (run.reachedPoint) reached++;
        else missed.push(`${point} #${hit}`);
        const floor = new Map(seen);
        for (const [w, v] of run.acks) acked.set(w, Math.max(acked.get(w) ?? 0, v));
        const where = `after a kill at ${point} #${hit}`;

        const store = await openFileStore(dir);
        try {
          expect(store.problems(), where).toEqual([]);
          expect(readdirSync(dir).filter((name) => name.includes('corrupt')), where).toEqual([]);
          for (const w of [0, 1, 2]) {
            const secret = store.secrets.get(`w${w}-s`);
            const secretV = secret ? Buffer.from(secret).readUInt32BE(0) : 0;
            const a = store.connections.get(`w${w}-a`);
            const b = store.connections.get(`w${w}-b`);
            const version = (name: string | undefined) => Number(/v(\d+)$/.exec(name ?? '')?.[1]);
            const last = acked.get(w) ?? 0;
            // Acknowledged: the secret at least at the last ack.
            expect(secretV, `${where}: worker ${w}'s secret`).toBeGreaterThanOrEqual(last);
            // At most one unacknowledged step landed.
            expect(secretV, `${where}: worker ${w}'s secret`).toBeLessThanOrEqual(Math.max(run.acks.get(w) ?? 0, floor.get(w) ?? 0) + 1);
            // One commit, one record: both or neither, at the same version.
            expect(Boolean(a), `${where}: worker ${w}'s pair`).toBe(Boolean(b));
            if (a && b) {
              expect(version(a.name), `${where}: worker ${w}'s pair`).toBe(version(b.name));
              expect(version(a.name), `${where}: worker ${w}'s record vs its acknowledged version`).toBeGreaterThanOrEqual(last);
              expect(version(a.name), `${where}: worker ${w}'s record vs its secret (blob first)`).toBeLessThanOrEqual(secretV);
            } else {
              // Gone: some delete step (every fourth, or none yet) lies between the last ack and the secret's version.
              const steps = Array.from({ length: secretV - last + 1 }, (_, i) => last + i);
              expect(steps.some((u) => u % 4 === 0), `${where}: worker ${w}'s pair is gone, but no delete step lies in ${last}..${secretV}`).toBe(true);
            }
            seen.set(w, secretV);
          }
        } finally {
          await store.close();
        }
      }
    }
    console.warn(`journal torture: ${POINTS.length * ROUNDS_PER_POINT} kills, ${reached} at their point, acknowledged up to ${JSON.stringify([...acked])}`);
    // The kills must land inside the steps they aim at, not only in the hang guard.
    expect(missed).toEqual([]);
    expect([...acked.values()].every((v) => v > 4)).toBe(true);
  }, 600_000);
});
