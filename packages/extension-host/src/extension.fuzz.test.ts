/**
 * Fuzzing the extension channel (fast-check, fixed seed, bounded runs) over the real child
 * process and pipe: an extension writes batches of lines onto its channel — calls to every
 * extension channel (and app channels, and made-up ones) with inputs no contract accepts, any
 * JSON value, frames nested past the limit, strings and raw bytes that are not JSON or not
 * UTF-8. Each call must be refused VALIDATION or NOT_FOUND; the extension keeps running
 * (violations are counted but the stop limit is raised for the fuzz); and nothing changes:
 * the canary connection, grants, and every audit event other than `boundary.refused`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { appChannels, extensionChannels } from '@latchkey/contracts';
import { DEFAULT_AUDIT_RATES } from '@latchkey/broker';
import { ScriptedPrompter } from '@latchkey/broker/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExtensionHost, type ExtensionHost } from './host.js';
import { nodeForkRuntime } from './runtime.js';
import { BUILT_IN_EXTENSIONS, auditEvents, buildRuntimeForTest, fixtureRoot, realBroker, tempDir, until } from './test-support.js';

const SEED = 20261130;
const FUZZER = 'fuzzer-fixture';
const EXTENSION_CHANNELS = Object.keys(extensionChannels);
const CANARY = 'fuzz-canary-token-3b9e';

let work: Awaited<ReturnType<typeof tempDir>>;
let host: ExtensionHost;
let env: ReturnType<typeof realBroker>;
let prompter: ScriptedPrompter;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

const notRefusal = () => auditEvents(env.mem).filter((e) => e.type !== 'boundary.refused');

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  work = await tempDir('fuzz');
  const entry = await buildRuntimeForTest(work.path);
  prompter = new ScriptedPrompter(() => ({ decision: 'deny' }));
  // The fuzzer sends far more calls than an extension's audit budget allows in a burst; the budget
  // itself is attacked in denial-budget.exploit.test.ts.
  env = realBroker(prompter, { options: { auditRates: { ...DEFAULT_AUDIT_RATES, extension: { perSecond: 1e6, burst: 1e6, perHour: 1e9 } } } });
  const root = await fixtureRoot(work.path, ['fuzzer']);
  const dataDir = join(work.path, 'data');
  await mkdir(dataDir);
  host = await startExtensionHost({
    broker: env.broker,
    roots: [{ dir: BUILT_IN_EXTENSIONS, builtIn: true }, { dir: root, builtIn: false }],
    runtime: nodeForkRuntime,
    entry,
    dataDir,
    onOutput: () => undefined,
    limits: { maxProtocolViolations: 1_000_000 },
  });
  await until(() => host.list().every((e) => e.state === 'running' || e.state === 'manifest-only'), 'every extension running');
  await env.app.connections.create({ providerId: 'http', name: 'Canary', config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' }, secrets: { token: CANARY } });
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await host?.close();
  await env?.broker.close();
  await work?.remove();
});

const invalidInput = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }).map((d) => ({ ...d, '\u0000fuzz': true })),
  fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 })),
  fc.integer({ min: 1, max: 55 }).map((depth) => ({ connectionId: JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown, '\u0000fuzz': 1 })),
);

const channel = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...EXTENSION_CHANNELS) },
  { weight: 2, arbitrary: fc.constantFrom(...Object.keys(appChannels)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const item = fc.oneof(
  { weight: 4, arbitrary: fc.record({ call: fc.record({ channel, input: invalidInput }) }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ text: JSON.stringify(v) })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map((s) => ({ text: s.replace(/\n/g, ' ') })) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 20_000 }).map((d) => ({ text: `{"t":"call","id":5,"channel":"connections:list","input":${'['.repeat(d)}${']'.repeat(d)}}` })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 120 }).map((b) => ({ base64: Buffer.from(b).toString('base64') })) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constantFrom('call', 'ready', 'hello', 'denied', 'command-result', 'result', 'x'), id: fc.jsonValue({ maxDepth: 1 }), extra: fc.jsonValue({ maxDepth: 2 }) }).map((f) => ({ text: JSON.stringify(f) })),
  },
);

describe('fuzzing the extension channel', () => {
  it('every extension channel refuses inputs no contract accepts, and no line stops the host', { timeout: 90_000 }, async () => {
    const before = notRefusal();
    const grantsBefore = env.mem.grants.all();
    const listBefore = await env.app.connections.list();
    // Each extension channel at least once, then the random batches.
    const first = await host.runCommand(FUZZER, 'fire', { items: EXTENSION_CHANNELS.map((c) => ({ call: { channel: c, input: { '\u0000fuzz': true } } })) });
    expect(first).toEqual(EXTENSION_CHANNELS.map(() => 'VALIDATION'));
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 6 }), async (items) => {
        const codes = (await host.runCommand(FUZZER, 'fire', { items } as never)) as string[];
        expect(codes).toHaveLength(items.filter((i) => 'call' in i).length);
        for (const code of codes) expect(['VALIDATION', 'NOT_FOUND']).toContain(code);
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(host.get(FUZZER)?.state).toBe('running');
    expect(await host.runCommand(FUZZER, 'ping')).toBe('pong');
    expect(uncaught).toEqual([]);
    // Nothing changed: no prompt, no grant, no connection touched, no audit event but refusals.
    expect(prompter.seen).toEqual([]);
    expect(env.mem.grants.all()).toEqual(grantsBefore);
    expect(await env.app.connections.list()).toEqual(listBefore);
    expect(notRefusal()).toEqual(before);
    expect(auditEvents(env.mem).filter((e) => e.type === 'boundary.refused').length).toBeGreaterThan(300);
    for (const line of env.mem.audit.lines_) expect(line.text).not.toContain(CANARY);
  });
});
