import { afterAll, describe, expect, it } from 'vitest';
import { TransportError } from '@latchkey/broker';
import { createTransports } from '../../index.js';
import { resolvedConnection } from '../../testing/packs.js';
import { freePort, startSilentServer } from '../../testing/ports.js';

// No SQL Server can run on this machine (not in Debian, no container engine), so only the
// driver's failure paths are tested here; success, auth and not-found need a real server.
const transports = createTransports({ connectTimeoutMs: 500 });
const conn = (port: number) =>
  resolvedConnection('databases', 'mssql', { host: '127.0.0.1', port, database: 'master', user: 'sa', encrypt: false }, { password: 'ms-Secret-0c4d' });

afterAll(() => transports.close());

describe('mssql transport (tedious), failure paths only', () => {
  it('reports a closed port as refused', async () => {
    const port = await freePort();
    const outcome = await transports.test('mssql', conn(port), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'refused', message: `Connection refused (127.0.0.1:${port})` });
  });

  it('reports a server that accepts and never answers as a timeout', async () => {
    const silent = await startSilentServer();
    try {
      const outcome = await transports.test('mssql', conn(silent.port), 400);
      expect(outcome).toMatchObject({ ok: false, code: 'timeout', message: 'Timed out after 0.4 s' });
      expect(outcome.latencyMs).toBeLessThan(3000);
    } finally {
      await silent.stop();
    }
  });

  it('reports an unknown host as a DNS failure', async () => {
    const outcome = await transports.test('mssql', { ...conn(1433), config: { ...conn(1433).config, host: 'nope.invalid' } }, 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'dns', message: 'Host not found: nope.invalid' });
  });

  it('throws a classified error from sql.query and pools nothing broken', async () => {
    const port = await freePort();
    const c = conn(port);
    for (let i = 0; i < 2; i++) {
      const err = await transports.sqlQuery('mssql', c, { sql: 'SELECT @p1', params: [1], maxRows: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ code: 'refused' });
    }
  });
});
