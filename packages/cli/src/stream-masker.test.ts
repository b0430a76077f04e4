import { describe, expect, it } from 'vitest';
import { createStreamMasker } from './stream-masker.js';

const SECRET = 'hunter2-Canary-9f8e7d';
const forms = (s: string) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64').replace(/=+$/, ''), JSON.stringify(s).slice(1, -1)];

function run(chunks: string[], values = [SECRET]): string {
  const m = createStreamMasker(values);
  return chunks.map((c) => m.push(c)).join('') + m.end();
}

describe('stream masker', () => {
  it('masks a value written whole', () => {
    const out = run([`password is ${SECRET}\n`]);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('password is ');
  });

  it('masks a value split across two writes, at every split point', () => {
    for (let i = 1; i < SECRET.length; i++) {
      const out = run([`a ${SECRET.slice(0, i)}`, `${SECRET.slice(i)} b`]);
      expect(out, `split at ${i}`).not.toContain(SECRET);
      expect(out).toMatch(/^a .* b$/);
    }
  });

  it('masks a value split one character per write', () => {
    const out = run([...`x${SECRET}y`]);
    expect(out).not.toContain(SECRET);
    expect(out.startsWith('x') && out.endsWith('y')).toBe(true);
  });

  it('masks the encoded forms, split too', () => {
    for (const form of forms(SECRET)) {
      const mid = Math.floor(form.length / 2);
      const out = run([`[${form.slice(0, mid)}`, `${form.slice(mid)}]`]);
      expect(out, form).not.toContain(form);
    }
  });

  it('holds back nothing that cannot start a value', () => {
    const m = createStreamMasker([SECRET]);
    expect(m.push('plain line\n')).toBe('plain line\n');
    // "hun" could start the value: held until the next write shows it is not.
    expect(m.push('say hun')).toBe('say ');
    expect(m.push('dred\n')).toBe('hundred\n');
  });
});
