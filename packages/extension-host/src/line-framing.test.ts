import { describe, expect, it } from 'vitest';
import { FRAME_TOO_LARGE, createLineReader } from './line-framing.js';

const collect = (max: number) => {
  const lines: (string | typeof FRAME_TOO_LARGE)[] = [];
  return { lines, reader: createLineReader(max, (l) => lines.push(l)) };
};

describe('createLineReader', () => {
  it('splits on newlines across chunks and skips empty lines', () => {
    const { lines, reader } = collect(100);
    reader.push('{"a":');
    reader.push('1}\n\n{"b"');
    reader.push(':2}\n{"c":3}');
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    reader.push('\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('reports a line past the cap once, keeps none of it, and reads the next line', () => {
    const { lines, reader } = collect(10);
    reader.push('x'.repeat(8));
    reader.push('x'.repeat(8));
    reader.push('x'.repeat(1000));
    reader.push('tail\nok\n');
    expect(lines).toEqual([FRAME_TOO_LARGE, 'ok']);
  });

  it('accepts a line of exactly the cap', () => {
    const { lines, reader } = collect(4);
    reader.push('abcd\nabcde\nz\n');
    expect(lines).toEqual(['abcd', FRAME_TOO_LARGE, 'z']);
  });
});
