import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeCipher } from './index.js';

/**
 * Against a real Secret Service: gnome-keyring-daemon on a private `dbus-run-session` bus with a
 * fresh HOME, so the person's own keyring is never touched and no password prompt can appear.
 */
const here = dirname(fileURLToPath(import.meta.url));
const probe = join(here, 'testing', 'keychain-probe.ts');
// `node --import tsx` resolves tsx from the working directory: this package's own.
const packageDir = dirname(here);
const missing = ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);
const skipReason = missing.length ? `needs ${missing.join(', ')} (Debian: dbus, gnome-keyring, libsecret-tools)` : '';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

/** Runs `script` inside a private session bus; UNLOCK starts an unlocked keyring first. */
function onPrivateBus(script: string, { unlock }: { unlock: boolean }): { stdout: string; stderr: string } {
  const home = mkdtempSync(join(tmpdir(), 'latchkey-keyring-'));
  homes.push(home);
  const start = unlock ? 'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 90; ' : '';
  const result = spawnSync('dbus-run-session', ['--', 'sh', '-c', `${start}${script}`], {
    env: { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: home, PROBE: probe, LANG: 'C.UTF-8' },
    encoding: 'utf8',
    timeout: 60_000,
    cwd: packageDir,
  });
  if (result.status !== 0) throw new Error(`private bus script failed (${result.status}): ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

function probeReports(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe.skipIf(missing.length > 0)(`OS keychain (Secret Service) ${skipReason}`, () => {
  it('creates the master key once, finds it again on the next start, and stores it as a keychain item', async () => {
    const { stdout } = onPrivateBus(
      'node --import tsx "$PROBE" latchkey-test && echo "ITEM=$(secret-tool lookup service latchkey-test username master-key)"',
      { unlock: true },
    );
    const [report] = probeReports(stdout);
    expect(report).toMatchObject({ firstBackend: 'os-keychain', firstReason: null, secondBackend: 'os-keychain', roundTrip: 'keychain canary' });

    // The keychain item is the very key the blob was sealed with: an env cipher built from it decrypts it.
    const item = /ITEM=(\S*)/.exec(stdout)?.[1] ?? '';
    expect(Buffer.from(item, 'base64')).toHaveLength(32);
    const fromItem = await createNodeCipher({ env: { LATCHKEY_MASTER_KEY: item }, useKeychain: false });
    expect(fromItem.decrypt(Buffer.from(String(report?.blob), 'base64'))).toBe('keychain canary');
  });

  it('leaves a keychain item that is not a key untouched and is unavailable', () => {
    const { stdout } = onPrivateBus(
      'printf not-a-key | secret-tool store --label=x service latchkey-test username master-key && ' +
        'node --import tsx "$PROBE" latchkey-test && echo "ITEM=$(secret-tool lookup service latchkey-test username master-key)"',
      { unlock: true },
    );
    const [report] = probeReports(stdout);
    expect(report?.firstBackend).toBe('none');
    expect(String(report?.firstReason)).toMatch(/does not hold a base64 key\. Latchkey leaves it untouched/);
    expect(stdout).toContain('ITEM=not-a-key');
  });

  it('is unavailable, saying how to fix it, when the Secret Service has no unlocked keyring', () => {
    // D-Bus activates gnome-keyring on demand, but with no login keyring it cannot store anything.
    const { stdout } = onPrivateBus('node --import tsx "$PROBE" latchkey-test', { unlock: false });
    const [report] = probeReports(stdout);
    expect(report?.firstBackend).toBe('none');
    expect(String(report?.firstReason)).toMatch(/unlock your login keyring .*or set LATCHKEY_MASTER_KEY/);
  });
});

describe('OS keychain absent', () => {
  it('is unavailable when no session bus answers at all', () => {
    const home = mkdtempSync(join(tmpdir(), 'latchkey-nobus-'));
    homes.push(home);
    const result = spawnSync('node', ['--import', 'tsx', probe, 'latchkey-test'], {
      env: { PATH: process.env.PATH, HOME: home, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}` },
      encoding: 'utf8',
      timeout: 60_000,
      cwd: packageDir,
    });
    expect(result.status, result.stderr).toBe(0);
    const [report] = probeReports(result.stdout);
    expect(report?.firstBackend).toBe('none');
    expect(String(report?.firstReason)).toMatch(/OS keychain (could not store a master key|answered)|No OS keychain answered/);
    expect(String(report?.firstReason)).toMatch(/LATCHKEY_MASTER_KEY/);
  });
});
