import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { isRoot, postgresBin, run } from './processes.js';
import type { TestCertificate } from './tls.js';

export interface PostgresPeer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  stop(): Promise<void>;
}

/** Why a PostgreSQL peer cannot start here, or null when it can. */
export function postgresUnavailable(): string | null {
  if (!postgresBin()) return 'PostgreSQL server binaries not installed (Debian package "postgresql")';
  if (!isRoot()) return 'starting a throwaway PostgreSQL cluster needs root (to run initdb as "postgres")';
  return null;
}

/**
 * A throwaway cluster in a temp folder on 127.0.0.1 with scram-sha-256 auth, a user and a database.
 * Runs as the `postgres` system user (the server refuses to run as root).
 */
export async function startPostgres(options: { user?: string; password?: string; database?: string; tls?: TestCertificate } = {}): Promise<PostgresPeer> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresUnavailable() ?? 'PostgreSQL unavailable');
  const user = options.user ?? 'app';
  const password = options.password ?? 'app-password';
  const database = options.database ?? 'appdb';
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  chmodSync(dir, 0o755);
  const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', cmd, ...args]);
  chownSync(dir, uid('postgres'), gid('postgres'));
  writeFileSync(join(dir, 'pw'), 'superuser-password\n', { mode: 0o600 });
  chownSync(join(dir, 'pw'), uid('postgres'), gid('postgres'));
  let tlsOptions = '';
  if (options.tls) {
    // The server refuses a key file that others can read.
    for (const [name, body] of [['server.crt', options.tls.cert], ['server.key', options.tls.key]] as const) {
      writeFileSync(join(dir, name), body, { mode: 0o600 });
      chownSync(join(dir, name), uid('postgres'), gid('postgres'));
    }
    tlsOptions = ` -c ssl=on -c ssl_cert_file=${join(dir, 'server.crt')} -c ssl_key_file=${join(dir, 'server.key')}`;
  }
  const port = await freePort();
  const data = join(dir, 'data');
  let started = false;
  try {
    asPostgres(`${bin}/initdb`, ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(dir, 'pw')}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
    asPostgres(`${bin}/pg_ctl`, ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off${tlsOptions}`, 'start']);
    started = true;
    const sql = [
      `CREATE ROLE "${user}" LOGIN PASSWORD '${password.replace(/'/g, "''")}';`,
      `CREATE DATABASE "${database}" OWNER "${user}";`,
    ].join('\n');
    run('runuser', ['-u', 'postgres', '--', `${bin}/psql`, '-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q'], { input: sql, env: { PGPASSWORD: 'superuser-password' } });
  } catch (err) {
    if (started) asPostgres(`${bin}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // If the test process dies without stopping the cluster, do not leave a server behind.
  const onExit = () => {
    try {
      asPostgres(`${bin}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // Already stopped.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    async stop() {
      process.off('exit', onExit);
      try {
        asPostgres(`${bin}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export function uid(name: string): number {
  return Number(run('id', ['-u', name]).trim());
}
export function gid(name: string): number {
  return Number(run('id', ['-g', name]).trim());
}
