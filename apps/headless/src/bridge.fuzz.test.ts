/**
 * Fuzzing the headless bridge (fast-check, fixed seed, bounded runs), against a real host:
 * - every app channel over the real WebSocket, with inputs that cannot be valid (an unknown
 *   key in a strict object, the wrong type at the top, nesting near the limit) and made-up
 *   channel names — each must be answered VALIDATION or NOT_FOUND;
 * - envelopes that are not call frames (any JSON value, deep, huge, wrong id/channel types) —
 *   each must close that socket with a typed error frame;
 * - raw bytes after a real handshake (random, and valid frames with bytes flipped: bad UTF-8,
 *   bad opcodes, bad lengths) — whatever happens to that socket, the host answers after.
 * Then: the host still serves a normal call, and nothing changed — the canary connection, the
 * connection list, grants and the audit trail are as they were.
 */
import fc from 'fast-check';
import { appChannels } from '@latchkey/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_SOCKET_PATH } from './bridge/protocol.js';
import { rawConnect, statusOf, textFrame, upgradeRequest } from './test-support/raw-socket.js';
import { startTestHost, type CallResult, type TestHost } from './test-support/host.js';

const SEED = 20261130;
const CHANNELS = Object.keys(appChannels);
const CANARY = 'fuzz-canary-secret-7d1f0a';

let t: TestHost;
let snapshot: unknown;

async function stateSnapshot() {
  const { ws, call } = await t.connect();
  const connections = await call('connections:list', {});
  const grants = await call('grants:list', {});
  const audit = (await call('audit:list', { limit: 500 })) as CallResult & { value: { events: { type: string }[] } };
  ws.close();
  return { connections, grants, audit: audit.value.events.filter((e) => e.type !== 'boundary.refused') };
}

beforeAll(async () => {
  t = await startTestHost();
  // Extensions start in the background and audit their state: let them settle before the snapshot.
  for (const started = Date.now(); !t.host.extensions.list().every((e) => e.state === 'running' || e.state === 'manifest-only'); ) {
    if (Date.now() - started > 30_000) throw new Error('extensions did not start (hang guard)');
    await new Promise((r) => setTimeout(r, 20));
  }
  const { ws, call } = await t.connect();
  const created = await call('connections:create', { providerId: 'http', name: 'Canary', config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' }, secrets: { token: CANARY } });
  expect(created.ok).toBe(true);
  ws.close();
  snapshot = await stateSnapshot();
});

afterAll(async () => {
  await t?.stop();
});

/** Inputs no strict contract accepts: every app channel's input is a strict object (or absent). */
const invalidInput = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }).map((d) => ({ ...d, '\u0000fuzz': true })),
  fc.oneof(fc.string({ unit: 'binary', maxLength: 50 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 })),
  fc.integer({ min: 1, max: 60 }).map((depth) => ({ id: JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown, '\u0000fuzz': 1 })),
);

describe('fuzzing the bridge', () => {
  it('every app channel refuses inputs no contract accepts, and made-up channels are unknown', { timeout: 60_000 }, async () => {
    const { ws, call } = await t.connect();
    // Each channel at least once, before the random ones.
    for (const channel of CHANNELS) {
      const reply = await call(channel, { '\u0000fuzz': true });
      expect(reply, channel).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    const channel = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...CHANNELS) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) });
    await fc.assert(
      fc.asyncProperty(channel, invalidInput, async (name, input) => {
        const reply = await call(name, input);
        expect(reply.ok).toBe(false);
        expect(['VALIDATION', 'NOT_FOUND']).toContain(reply.error?.code);
        if (reply.error?.code === 'NOT_FOUND') expect(CHANNELS).not.toContain(name);
      }),
      { seed: SEED, numRuns: 300 },
    );
    ws.close();
  });

  it('envelopes that are not call frames close that socket with a typed error', { timeout: 60_000 }, async () => {
    const notAFrame = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).some((k) => !['id', 'channel', 'input'].includes(k))).map((v) => JSON.stringify(v)),
      fc.record({ id: fc.oneof(fc.string(), fc.double({ min: -10, max: -0.5 }), fc.constant(null)), channel: fc.constantFrom(...CHANNELS), input: fc.constant({}) }).map((v) => JSON.stringify(v)),
      fc.integer({ min: 65, max: 5000 }).map((d) => `{"id":1,"channel":"connections:list","input":${'['.repeat(d)}${']'.repeat(d)}}`),
      fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `{${s}`),
    );
    await fc.assert(
      fc.asyncProperty(notAFrame, async (text) => {
        const { ws, frames } = await t.connect();
        const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
        ws.send(text);
        expect(await closed).toBe(1008);
        expect(JSON.parse(frames[0] ?? 'null')).toMatchObject({ error: { code: 'VALIDATION' } });
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('raw bytes after the handshake cost that socket at most', { timeout: 60_000 }, async () => {
    const valid = textFrame(JSON.stringify({ id: 1, channel: 'connections:list', input: {} }));
    const bytes = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.array(fc.record({ at: fc.nat({ max: valid.length - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }).map((flips) => {
        const copy = Buffer.from(valid);
        for (const f of flips) copy[f.at] = f.value;
        return new Uint8Array(copy);
      }),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (data) => {
        const conn = await rawConnect(t.host.port);
        conn.socket.write(upgradeRequest(BRIDGE_SOCKET_PATH, { host: `127.0.0.1:${t.host.port}`, origin: `http://127.0.0.1:${t.host.port}`, cookie: t.cookie }));
        expect(await statusOf(conn)).toBe(101);
        conn.socket.write(data);
        // Our end finishes: whatever the server made of the bytes, the connection ends.
        conn.socket.end();
        await conn.closed;
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('the host still answers, and nothing changed', async () => {
    const { ws, call } = await t.connect();
    expect(await call('system:status', {})).toMatchObject({ ok: true });
    ws.close();
    expect(await stateSnapshot()).toEqual(snapshot);
    expect(JSON.stringify(snapshot)).not.toContain(CANARY);
  });
});
