/**
 * Cost of masking, before and after: `pnpm --filter @latchkey/broker exec vitest bench --run src/masking/masker.bench.ts`.
 * "before" is the transports' old scrubSecrets (split/join per needle, 4 forms per secret),
 * kept here only as the baseline.
 */
import { bench, describe } from 'vitest';
import { createMasker, maskerFor } from './masker.js';

const SECRETS = {
  token: 'ghp_4f9Qk2Lx8Vb7Nc3Zt6Wy1Rd5Ps0Ja2Hm9Ue4',
  password: 'p@ss "w/rd" &<x>',
  env: JSON.stringify({ OPENAI_API_KEY: 'sk-proj-9f8e7d6c5b4a3f2e1d0c', DB_URL: 'postgres://app:hunter2-long@db/x', DEBUG: '1' }),
};
const values = Object.values(SECRETS);

function oldScrub(text: string, secrets: string[]): string {
  const needles = new Set<string>();
  for (const value of secrets) {
    needles.add(value);
    needles.add(encodeURIComponent(value));
    needles.add(JSON.stringify(value).slice(1, -1));
    needles.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
  }
  let out = text;
  for (const n of [...needles].sort((a, b) => b.length - a.length)) out = out.split(n).join('••••');
  return out;
}

const row = (i: number) => `{"id":${i},"name":"customer ${i}","email":"c${i}@example.test","note":"nothing secret here, just text & <html>"},`;
const body = (bytes: number) => {
  let s = '[';
  for (let i = 0; s.length < bytes; i++) s += row(i);
  return `${s}]`;
};
const statusLine = '401 Unauthorized';
const body64k = body(64 * 1024);
const body1m = body(1024 * 1024);
const echoed64k = body64k.replace(/nothing secret here/g, (m, off: number) => (off % 7 === 0 ? SECRETS.token : m));

const masker = createMasker(values);

describe('compile (once per resolved connection)', () => {
  bench('createMasker, 3 secrets (one a JSON env)', () => {
    createMasker(values);
  });
});

describe('masker of a resolved connection', () => {
  bench('maskerFor, cached (every operation after the first)', () => {
    maskerFor(SECRETS);
  });
  const response = { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json', 'x-request-id': 'abc-123' }, body: body(4 * 1024), truncated: false, latencyMs: 12 };
  bench('maskFields of a 4 KB http.fetch response', () => {
    masker.maskFields(response);
  });
});

describe('status line (16 B)', () => {
  bench('after: one needle index', () => {
    masker.mask(statusLine);
  });
  bench('before: split/join per needle', () => {
    oldScrub(statusLine, values);
  });
});

describe('64 KB JSON body, no secret', () => {
  bench('after', () => {
    masker.mask(body64k);
  });
  bench('before', () => {
    oldScrub(body64k, values);
  });
});

describe('64 KB JSON body with echoes', () => {
  bench('after', () => {
    masker.mask(echoed64k);
  });
});

describe('1 MB body, no secret', () => {
  bench('after', () => {
    masker.mask(body1m);
  });
  bench('before', () => {
    oldScrub(body1m, values);
  });
});
