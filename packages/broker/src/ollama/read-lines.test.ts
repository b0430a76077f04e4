import { describe, expect, it } from 'vitest';
import { readLines } from './read-lines.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks: string[], max = 1000): Promise<string[]> {
  const lines: string[] = [];
  await readLines(streamOf(chunks), (l) => lines.push(l), max);
  return lines;
}

describe('readLines', () => {
  it('splits lines across chunk boundaries, skips blank ones, and keeps a last unterminated line', async () => {
    expect(await collect(['{"a":', '1}\n\n{"b"', ':2}\n{"c":3}'])).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = new TextEncoder().encode('é\n');
    const lines: string[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.subarray(0, 1));
        c.enqueue(bytes.subarray(1));
        c.close();
      },
    });
    await readLines(stream, (l) => lines.push(l), 100);
    expect(lines).toEqual(['é']);
  });

  it('cuts a line longer than the bound and drops the rest of it, without holding it', async () => {
    const long = 'x'.repeat(50);
    expect(await collect([long.slice(0, 20), long.slice(20), '\nnext\n'], 10)).toEqual(['x'.repeat(10), 'next']);
  });
});
