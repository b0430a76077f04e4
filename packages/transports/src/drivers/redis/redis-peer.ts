import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../testing/ports.js';
import { onPath, stopChild } from '../../testing/processes.js';
import type { TestCertificate } from '../../testing/tls.js';

export interface RedisPeer {
  host: string;
  port: number;
  password: string;
  stop(): Promise<void>;
}

export function redisUnavailable(): string | null {
  return onPath('redis-server') ? null : 'redis-server not installed (Debian package "redis-server")';
}

/**
 * A throwaway redis-server on 127.0.0.1 (nothing persisted) with `requirepass`, optional ACL
 * users (`{ name: 'reader', password, rules: ['~*', '+@read'] }`) and optional TLS only.
 * Ready when the server logs that it accepts connections: no polling, no sleeps.
 */
export async function startRedis(options: { password?: string; users?: { name: string; password: string; rules: string[] }[]; tls?: TestCertificate } = {}): Promise<RedisPeer> {
  const password = options.password ?? 'redis-password';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-redis-'));
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--requirepass', password];
  for (const u of options.users ?? []) args.push('--user', u.name, 'on', `>${u.password}`, ...u.rules);
  if (options.tls) {
    writeFileSync(join(dir, 'server.crt'), options.tls.cert);
    writeFileSync(join(dir, 'server.key'), options.tls.key, { mode: 0o600 });
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', join(dir, 'server.crt'), '--tls-auth-clients', 'no');
  } else {
    args.push('--port', String(port));
  }
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start in 30 s:\n${log}`)), 30_000);
      const read = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}):\n${log}`));
      });
    });
  } catch (err) {
    process.off('exit', onExit);
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    password,
    async stop() {
      process.off('exit', onExit);
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
