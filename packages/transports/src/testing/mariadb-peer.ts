import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { gid, uid } from './postgres-peer.js';
import { isRoot, run, stopChild } from './processes.js';
import type { TestCertificate } from './tls.js';

export interface MariadbPeer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  stop(): Promise<void>;
}

const SERVER = '/usr/sbin/mariadbd';

export function mariadbUnavailable(): string | null {
  if (!existsSync(SERVER) || !existsSync('/usr/bin/mariadb-install-db')) return 'MariaDB server not installed (Debian package "mariadb-server")';
  if (!isRoot()) return 'starting a throwaway MariaDB server needs root (to run it as "mysql")';
  return null;
}

/** A throwaway MariaDB data folder and server on 127.0.0.1, with a password user and a database. */
export async function startMariadb(options: { user?: string; password?: string; database?: string; tls?: TestCertificate } = {}): Promise<MariadbPeer> {
  const user = options.user ?? 'app';
  const password = options.password ?? 'app-password';
  const database = options.database ?? 'appdb';
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-mariadb-'));
  chmodSync(dir, 0o755);
  chownSync(dir, uid('mysql'), gid('mysql'));
  const data = join(dir, 'data');
  const socket = join(dir, 'sock');
  const port = await freePort();
  const tlsArgs: string[] = [];
  if (options.tls) {
    writeFileSync(join(dir, 'server.crt'), options.tls.cert);
    writeFileSync(join(dir, 'server.key'), options.tls.key, { mode: 0o600 });
    chownSync(join(dir, 'server.key'), uid('mysql'), gid('mysql'));
    tlsArgs.push(`--ssl-cert=${join(dir, 'server.crt')}`, `--ssl-key=${join(dir, 'server.key')}`);
  }
  run('mariadb-install-db', ['--no-defaults', '--user=mysql', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve']);
  const child = spawn(
    SERVER,
    ['--no-defaults', '--user=mysql', `--datadir=${data}`, '--bind-address=127.0.0.1', `--port=${port}`, `--socket=${socket}`, `--pid-file=${join(dir, 'pid')}`, `--log-error=${join(dir, 'err.log')}`, '--skip-name-resolve', '--innodb-buffer-pool-size=16M', '--skip-log-bin', ...tlsArgs],
    { stdio: 'ignore' },
  );
  // If the test process dies without stopping the server, do not leave it behind.
  const onExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mariadbd exited: ${readFileSync(join(dir, 'err.log'), 'utf8').slice(-2000)}`);
      try {
        run('mariadb-admin', ['--no-defaults', '-S', socket, '-uroot', 'ping']);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const q = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    const sql = [
      `CREATE DATABASE \`${database}\`;`,
      `CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${q}';`,
      `CREATE USER '${user}'@'localhost' IDENTIFIED BY '${q}';`,
      // On every database, so a missing one is reported as missing rather than as not granted.
      `GRANT ALL ON *.* TO '${user}'@'127.0.0.1';`,
      `GRANT ALL ON *.* TO '${user}'@'localhost';`,
    ].join('\n');
    run('mariadb', ['--no-defaults', '-S', socket, '-uroot'], { input: sql });
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: '127.0.0.1', port, user, password, database, stop };
}
