import { readFile, writeFile, symlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScriptedPrompter } from '@latchkey/broker/testing';
import { restartDelay, startExtensionHost, type ExtensionHost, type ExtensionHostOptions } from './host.js';
import { launchNodeChild, nodeForkRuntime, type ExtensionRuntime } from './runtime.js';
import { auditEvents, buildRuntimeForTest, fixtureRoot, realBroker, recordingRuntime, tempDir, until } from './test-support.js';

let work: Awaited<ReturnType<typeof tempDir>>;
let entry: string;
const hosts: ExtensionHost[] = [];

beforeAll(async () => {
  work = await tempDir('host');
  entry = await buildRuntimeForTest(work.path);
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});
afterAll(async () => work.remove());

async function setup(fixtures: Parameters<typeof fixtureRoot>[1], options: Partial<ExtensionHostOptions> = {}) {
  const dir = await tempDir('case');
  const root = await fixtureRoot(dir.path, fixtures);
  const dataDir = join(dir.path, 'data');
  await mkdir(dataDir);
  const prompter = new ScriptedPrompter();
  const real = realBroker(prompter);
  const runtime = recordingRuntime(nodeForkRuntime);
  const host = await startExtensionHost({
    broker: real.broker,
    roots: [{ dir: root, builtIn: false }],
    runtime,
    entry,
    dataDir,
    restart: { initialDelayMs: 20, maxDelayMs: 200, maxRestarts: 3, stableAfterMs: 60_000 },
    onOutput: () => undefined,
    ...options,
  });
  hosts.push(host);
  return { ...real, host, runtime, root, dataDir, prompter };
}

const state = (host: ExtensionHost, id: string) => host.get(id)?.state;

describe('restartDelay', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const policy = { initialDelayMs: 500, maxDelayMs: 30_000, maxRestarts: 5, stableAfterMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelay(policy, n))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

describe('extension lifecycle', () => {
  it('runs an extension in a confined child process and runs its commands', async () => {
    const { host, broker } = await setup(['crashy']);
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    expect(host.fsIsolation('crashy-fixture')).toBe(true);
    expect(broker.providers.get('crashy.svc')).toMatchObject({ extensionId: 'crashy-fixture', available: true });
    expect(await host.runCommand('crashy-fixture', 'echo', { hello: ['world', 1] })).toEqual({ hello: ['world', 1] });
    await expect(host.runCommand('crashy-fixture', 'fail')).rejects.toMatchObject({ code: 'INTERNAL', message: 'it failed on purpose' });
    await expect(host.runCommand('crashy-fixture', 'nothing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(host.runCommand('nobody', 'echo')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('restarts a crashed extension, with its providers unavailable while it is down, and audits the crash', async () => {
    const { host, broker, mem, runtime } = await setup(['crashy'], { restart: { initialDelayMs: 300, maxDelayMs: 1000, maxRestarts: 3, stableAfterMs: 60_000 } });
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    const crashed = host.runCommand('crashy-fixture', 'crash');
    await expect(crashed).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(state(host, 'crashy-fixture')).toBe('restarting');
    expect(broker.providers.get('crashy.svc')?.available).toBe(false);
    await expect(host.runCommand('crashy-fixture', 'echo', 1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await until(() => state(host, 'crashy-fixture') === 'running', 'running again');
    expect(host.get('crashy-fixture')).toMatchObject({ restarts: 1, lastError: null });
    expect(broker.providers.get('crashy.svc')?.available).toBe(true);
    expect(runtime.launches).toHaveLength(2);
    expect(await host.runCommand('crashy-fixture', 'echo', 2)).toBe(2);
    const crash = auditEvents(mem).find((e) => e.type === 'extension.crash');
    expect(crash).toMatchObject({ outcome: 'error', requester: { kind: 'extension', id: 'crashy-fixture' }, detail: 'Exited with code 7' });
    expect(auditEvents(mem).filter((e) => e.type === 'extension.state').map((e) => e.detail)).toEqual(
      expect.arrayContaining(['running', expect.stringContaining('restarting')]),
    );
  });

  it('backs off exponentially and gives up after the bounded number of restarts', async () => {
    const { host, runtime, mem } = await setup(['broken'], { restart: { initialDelayMs: 40, maxDelayMs: 1000, maxRestarts: 3, stableAfterMs: 60_000 } });
    await until(() => state(host, 'broken-fixture') === 'crashed', 'crashed', 15_000);
    const info = host.get('broken-fixture');
    expect(info?.restarts).toBe(3);
    expect(info?.lastError).toMatch(/activate\(\) failed: cannot start; stopped after 3 restarts/);
    const at = runtime.launches.map((l) => l.at);
    expect(at).toHaveLength(4);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    // Each gap is at least the backoff delay (the process's own start and crash come on top).
    [40, 80, 160].forEach((delay, i) => expect(gaps[i]).toBeGreaterThanOrEqual(delay));
    expect(auditEvents(mem).filter((e) => e.type === 'extension.crash')).toHaveLength(4);
    // It stays down: no further launch.
    await new Promise((r) => setTimeout(r, 300));
    expect(runtime.launches).toHaveLength(4);
  });

  it('forgets earlier crashes once the extension has run stably', async () => {
    // maxRestarts 1: a second crash in a row would stop it for good; a stable run in between resets the count.
    // The host's clock is the test's: a stable run is 150 ms on it, not 150 ms of waiting.
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const { host } = await setup(['crashy'], { now: () => clock, restart: { initialDelayMs: 20, maxDelayMs: 100, maxRestarts: 1, stableAfterMs: 150 } });
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    await host.runCommand('crashy-fixture', 'crash').catch(() => undefined);
    await until(() => state(host, 'crashy-fixture') === 'running', 'running after first crash');
    clock += 150;
    await host.runCommand('crashy-fixture', 'crash').catch(() => undefined);
    await until(() => state(host, 'crashy-fixture') === 'running', 'running after second crash');
    expect(host.get('crashy-fixture')?.restarts).toBe(2);
    // Without the stable period, the next crash is the second in a row: it stays down.
    await host.runCommand('crashy-fixture', 'crash').catch(() => undefined);
    await until(() => state(host, 'crashy-fixture') === 'crashed', 'stopped for good');
  });

  it('kills an extension whose activate() does not finish in time, and says why', async () => {
    const { host, mem } = await setup(['slow'], { limits: { activateTimeoutMs: 200 }, restart: { initialDelayMs: 10_000, maxDelayMs: 10_000, maxRestarts: 3, stableAfterMs: 60_000 } });
    await until(() => state(host, 'slow-fixture') === 'restarting', 'killed and waiting to restart');
    expect(host.get('slow-fixture')?.lastError).toMatch(/^activate\(\) did not finish within 0.2 s; restarting in 10 s$/);
    expect(auditEvents(mem).find((e) => e.type === 'extension.crash')?.detail).toBe('activate() did not finish within 0.2 s');
  });

  it('fails a command that does not finish in time', async () => {
    const { host } = await setup(['crashy'], { limits: { commandTimeoutMs: 200 } });
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    await expect(host.runCommand('crashy-fixture', 'hang')).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('enable and disable', () => {
  it('stops a disabled extension, drops its providers, and remembers the choice across restarts of the host', async () => {
    const first = await setup(['crashy']);
    await until(() => state(first.host, 'crashy-fixture') === 'running', 'running');
    const info = await first.host.controller.setEnabled('crashy-fixture', false);
    expect(info).toMatchObject({ enabled: false, state: 'disabled' });
    expect(first.broker.providers.get('crashy.svc')).toBeUndefined();
    await expect(first.host.runCommand('crashy-fixture', 'echo', 1)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(JSON.parse(await readFile(join(first.dataDir, 'extensions.json'), 'utf8'))).toEqual({ version: 1, disabled: ['crashy-fixture'] });

    const runtime = recordingRuntime(nodeForkRuntime);
    const second = await startExtensionHost({ broker: realBroker(new ScriptedPrompter()).broker, roots: [{ dir: first.root, builtIn: false }], runtime, entry, dataDir: first.dataDir, onOutput: () => undefined });
    hosts.push(second);
    expect(second.get('crashy-fixture')).toMatchObject({ enabled: false, state: 'disabled' });
    expect(runtime.launches).toHaveLength(0);

    await second.setEnabled('crashy-fixture', true);
    await until(() => state(second, 'crashy-fixture') === 'running', 'running after enable');
    expect(JSON.parse(await readFile(join(first.dataDir, 'extensions.json'), 'utf8'))).toEqual({ version: 1, disabled: [] });
  });

  it('does not restart an extension disabled while it waits to restart', async () => {
    const { host, runtime } = await setup(['crashy'], { restart: { initialDelayMs: 300, maxDelayMs: 300, maxRestarts: 3, stableAfterMs: 60_000 } });
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    // The restart timer is scheduled on a fake clock, so "it never fires" is checked by running
    // the clock past it, not by waiting.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await host.runCommand('crashy-fixture', 'crash').catch(() => undefined);
      expect(state(host, 'crashy-fixture')).toBe('restarting');
      await host.setEnabled('crashy-fixture', false);
      await vi.advanceTimersByTimeAsync(10_000);
    } finally {
      vi.useRealTimers();
    }
    expect(runtime.launches).toHaveLength(1);
    expect(host.get('crashy-fixture')?.restarts).toBe(0);
    expect(host.get('crashy-fixture')).toMatchObject({ state: 'disabled', enabled: false });
  });

  it('lets the Extensions screen drive it through the broker', async () => {
    const { host, app } = await setup(['crashy']);
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    expect((await app.extensions.list()).map((e) => [e.id, e.state, e.providers])).toEqual([['crashy-fixture', 'running', ['crashy.svc']]]);
    expect(await app.extensions.setEnabled({ id: 'crashy-fixture', enabled: false })).toMatchObject({ state: 'disabled', enabled: false });
  });

  it('moves a corrupt extensions.json aside and reports it instead of overwriting it', async () => {
    const dir = await tempDir('corrupt');
    await writeFile(join(dir.path, 'extensions.json'), '{"version": 1, "disabled": [');
    const root = await fixtureRoot(dir.path, ['crashy']);
    const host = await startExtensionHost({ broker: realBroker(new ScriptedPrompter()).broker, roots: [{ dir: root, builtIn: false }], runtime: nodeForkRuntime, entry, dataDir: dir.path, onOutput: () => undefined });
    hosts.push(host);
    expect(host.problems.map((p) => p.message)).toEqual([expect.stringMatching(/extensions\.json was unreadable and was moved to .*corrupt-/)]);
    expect(host.get('crashy-fixture')?.enabled).toBe(true);
  });
});

describe('isolation preconditions', () => {
  it('refuses an extension whose folder links outside itself', async () => {
    const dir = await tempDir('symlink');
    const root = await fixtureRoot(dir.path, ['crashy']);
    await writeFile(join(dir.path, 'secret.txt'), 'outside');
    await symlink(join(dir.path, 'secret.txt'), join(root, 'crashy', 'innocent.txt'));
    const runtime = recordingRuntime(nodeForkRuntime);
    const host = await startExtensionHost({ broker: realBroker(new ScriptedPrompter()).broker, roots: [{ dir: root, builtIn: false }], runtime, entry, dataDir: dir.path, onOutput: () => undefined });
    hosts.push(host);
    expect(host.get('crashy-fixture')).toMatchObject({ state: 'crashed', lastError: expect.stringContaining('links outside itself (innocent.txt)') });
    expect(runtime.launches).toHaveLength(0);
  });

  it('runs an extension from a symlinked extensions folder, confined to the real folder', async () => {
    const dir = await tempDir('linked');
    const root = await fixtureRoot(dir.path, ['crashy']);
    await symlink(root, join(dir.path, 'linked-root'));
    const host = await startExtensionHost({ broker: realBroker(new ScriptedPrompter()).broker, roots: [{ dir: join(dir.path, 'linked-root'), builtIn: false }], runtime: nodeForkRuntime, entry, dataDir: dir.path, onOutput: () => undefined });
    hosts.push(host);
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    expect(host.fsIsolation('crashy-fixture')).toBe(true);
  });

  it('refuses a main module outside the folder', async () => {
    const dir = await tempDir('main');
    const root = await fixtureRoot(dir.path, ['crashy']);
    const pkgPath = join(root, 'crashy', 'package.json');
    const pkg = JSON.parse(await readFile(pkgPath, 'utf8'));
    pkg.latchkey.main = '../../elsewhere.js';
    await writeFile(pkgPath, JSON.stringify(pkg));
    const host = await startExtensionHost({ broker: realBroker(new ScriptedPrompter()).broker, roots: [{ dir: root, builtIn: false }], runtime: nodeForkRuntime, entry, dataDir: dir.path, onOutput: () => undefined });
    hosts.push(host);
    expect(host.get('crashy-fixture')).toMatchObject({ state: 'crashed', lastError: expect.stringContaining('outside its folder') });
  });

  /** What Electron's utility process does today: the permission flags are ignored. */
  const unconfinedRuntime: ExtensionRuntime = {
    name: 'unconfined-test',
    launch: (spec) => launchNodeChild(spec, []),
  };

  it('refuses to run a third-party extension when the runtime reports no file confinement', async () => {
    const { host } = await setup(['crashy'], { runtime: unconfinedRuntime });
    await until(() => state(host, 'crashy-fixture') === 'crashed', 'refused');
    expect(host.get('crashy-fixture')?.lastError).toMatch(/cannot limit file access/);
    expect(host.fsIsolation('crashy-fixture')).toBe(false);
  });

  it('runs a built-in extension unconfined under the default policy, but not under "all"', async () => {
    for (const [policy, expected] of [[undefined, 'running'], ['all', 'crashed']] as const) {
      const dir = await tempDir('policy');
      const root = await fixtureRoot(dir.path, ['crashy']);
      const host = await startExtensionHost({
        broker: realBroker(new ScriptedPrompter()).broker,
        roots: [{ dir: root, builtIn: true }],
        runtime: unconfinedRuntime,
        entry,
        dataDir: dir.path,
        ...(policy ? { requireFsIsolation: policy } : {}),
      });
      hosts.push(host);
      await until(() => state(host, 'crashy-fixture') === expected, `${expected} under ${policy ?? 'the default'}`);
      expect(host.fsIsolation('crashy-fixture')).toBe(false);
    }
  });

  it('runs a third-party extension unconfined only when the app opts out, and says so', async () => {
    const { host } = await setup(['crashy'], { runtime: unconfinedRuntime, requireFsIsolation: 'none' });
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    expect(host.fsIsolation('crashy-fixture')).toBe(false);
  });
});

describe('identity binding', () => {
  it('attributes every call to the extension whose process sent it', async () => {
    const { host, mem } = await setup([
      { from: 'crashy', as: 'twin-one', displayName: 'Twin One' },
      { from: 'crashy', as: 'twin-two', displayName: 'Twin Two' },
    ]);
    await until(() => host.list().every((e) => e.state === 'running') && host.list().length === 2, 'both running');
    const [one, two] = await Promise.all([host.runCommand('twin-one', 'ask'), host.runCommand('twin-two', 'ask')]);
    expect(one).toMatchObject({ granted: false, reason: 'not_found' });
    expect(two).toMatchObject({ granted: false, reason: 'not_found' });
    const requests = auditEvents(mem).filter((e) => e.type === 'access.request');
    expect(requests.map((e) => e.requester).sort((a, b) => (a?.id ?? '').localeCompare(b?.id ?? ''))).toEqual([
      { kind: 'extension', id: 'twin-one', displayName: 'Twin One' },
      { kind: 'extension', id: 'twin-two', displayName: 'Twin Two' },
    ]);
  });

  it('keeps the first of two extensions with the same id and reports the second', async () => {
    const dir = await tempDir('dupe');
    const builtIn = await fixtureRoot(join(dir.path, 'a'), ['crashy']);
    const user = await fixtureRoot(join(dir.path, 'b'), ['crashy']);
    const host = await startExtensionHost({ broker: realBroker(new ScriptedPrompter()).broker, roots: [{ dir: builtIn, builtIn: true }, { dir: user, builtIn: false }], runtime: nodeForkRuntime, entry, dataDir: dir.path, onOutput: () => undefined });
    hosts.push(host);
    expect(host.list().map((e) => [e.id, e.builtIn])).toEqual([['crashy-fixture', true]]);
    expect(host.problems.map((p) => p.message)).toEqual([expect.stringMatching(/crashy-fixture is already installed/)]);
  });
});

describe('startNodeExtensionHost', () => {
  it('builds the runtime itself and runs extensions confined', async () => {
    const { startNodeExtensionHost } = await import('./node.js');
    const dir = await tempDir('node');
    const root = await fixtureRoot(dir.path, ['crashy']);
    const host = await startNodeExtensionHost({ broker: realBroker(new ScriptedPrompter()).broker, roots: [{ dir: root, builtIn: false }], dataDir: dir.path, onOutput: () => undefined });
    hosts.push(host);
    await until(() => state(host, 'crashy-fixture') === 'running', 'running');
    expect(host.fsIsolation('crashy-fixture')).toBe(true);
    expect(await host.runCommand('crashy-fixture', 'echo', 'hi')).toBe('hi');
  });
});
