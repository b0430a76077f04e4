import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FieldRole, TransportKind } from '@latchkey/contracts';
import { createTransports } from '../index.js';
import { resolvedConnection } from '../testing/packs.js';
import { DRIVERS } from './registry.js';

describe('the driver registry', () => {
  it('is what a manifest may name as its transport: every driver, plus http (the broker\'s own), and no kind without one', () => {
    expect([...TransportKind.options].sort()).toEqual([...DRIVERS.keys(), 'http'].sort());
  });

  it('answers what each kind supports from its descriptor, and nothing for an unknown kind', () => {
    const t = createTransports();
    for (const db of ['postgres', 'mysql', 'sqlite', 'mssql']) expect(t.supports(db, 'sql.query'), db).toBe(true);
    for (const other of ['smtp', 'webhook', 'mcp', 'redis', 'http', 'oauth2', 'nope']) expect(t.supports(other, 'sql.query'), other).toBe(false);
    expect(t.supports('smtp', 'smtp.send')).toBe(true);
    expect(t.supports('mcp', 'mcp.callTool')).toBe(true);
  });

  it('refuses an operation the kind does not offer', async () => {
    const t = createTransports();
    const c = resolvedConnection('databases', 'postgres', { host: '127.0.0.1' });
    await expect(t.operate('postgres', 'redis.command', c, { command: 'GET', args: [] })).rejects.toMatchObject({ code: 'invalid_config' });
    await expect(t.sqlQuery('smtp', c, { sql: 'SELECT 1', params: [], maxRows: 1 })).rejects.toMatchObject({ code: 'invalid_config' });
    expect(await t.test('nope', c, 1000)).toMatchObject({ ok: false, code: 'invalid_config' });
    await t.close();
  });

  it('names only valid roles, and only for fields the driver reads', () => {
    for (const [kind, d] of DRIVERS) {
      expect(d.kind).toBe(kind);
      const read = new Set([...d.fields.config, ...d.fields.secrets, ...(d.fields.secretOrConfig ?? [])]);
      for (const [name, role] of Object.entries(d.fields.roles ?? {})) {
        expect(read.has(name), `${kind}.${name}`).toBe(true);
        expect(FieldRole.safeParse(role).success, `${kind}.${name}: ${role}`).toBe(true);
      }
    }
  });

  it('keeps descriptors light: they import types only, and load their driver with import()', () => {
    for (const kind of DRIVERS.keys()) {
      const source = readFileSync(new URL(`./${kind}/index.ts`, import.meta.url), 'utf8');
      const staticImports = source.split('\n').filter((line) => /^import\s/.test(line));
      for (const line of staticImports) expect(line, `${kind}/index.ts`).toMatch(/^import type /);
      expect(source, kind).toContain("import('./driver.js')");
    }
  });
});
