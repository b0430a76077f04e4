import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProviderManifest } from '@latchkey/contracts';
import { DRIVERS } from './drivers/registry.js';
import { TRANSPORT_FIELDS } from './fields.js';
import { BUILT_IN_PACKS, EXTENSIONS_DIR, readPack } from './testing/packs.js';

/** Every pack in extensions/, so a new connection type's pack is checked without being listed here. */
const EVERY_PACK = readdirSync(EXTENSIONS_DIR).filter((d) => existsSync(join(EXTENSIONS_DIR, d, 'package.json')));

describe('built-in provider packs', () => {
  it.each(BUILT_IN_PACKS)('%s: package.json is a private @latchkey/ext-* package whose latchkey key validates', (pack) => {
    const { name, latchkey } = readPack(pack);
    expect(name).toBe(`@latchkey/ext-${pack}`);
    expect(latchkey.contributes.providers.length).toBeGreaterThan(0);
    for (const p of latchkey.contributes.providers) expect(() => ProviderManifest.parse(p)).not.toThrow();
  });

  it('declares every field a transport reads, with secrets marked secret, config not, and the roles the driver names', () => {
    const checked: string[] = [];
    const kinds = new Set<string>();
    for (const pack of EVERY_PACK) {
      for (const provider of readPack(pack).latchkey.contributes.providers) {
        const kind = provider.transport;
        const wanted = TRANSPORT_FIELDS[kind];
        if (!wanted) continue;
        const byName = new Map(provider.fields.map((f) => [f.name, f]));
        const optional = new Set(wanted.optional ?? []);
        for (const name of wanted.config) if (!optional.has(name) || byName.has(name)) expect(byName.get(name)?.secret, `${provider.id}.${name} (config)`).toBe(false);
        for (const name of wanted.secrets) if (!optional.has(name) || byName.has(name)) expect(byName.get(name)?.secret, `${provider.id}.${name} (secret)`).toBe(true);
        for (const name of wanted.secretOrConfig ?? []) expect(byName.has(name), `${provider.id}.${name}`).toBe(true);
        // A transport-tested provider should not declare fields nothing reads.
        // timeoutMs is the broker's: how long Test connection waits.
        for (const f of provider.fields) expect([...wanted.config, ...wanted.secrets, ...(wanted.secretOrConfig ?? []), 'timeoutMs'], `${provider.id}.${f.name} is read by the ${kind} transport`).toContain(f.name);
        // The renderer and the target binding read roles, not names: a field the driver gives a role must carry it.
        for (const [name, role] of Object.entries(wanted.roles ?? {})) if (byName.has(name)) expect(byName.get(name)?.role, `${provider.id}.${name} role`).toBe(role);
        checked.push(provider.id);
        kinds.add(kind);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['discord-webhook', 'mcp', 'mssql', 'mysql', 'postgres', 'slack-webhook', 'smtp', 'sqlite', 'webhook']));
    // Every driver in the registry has a built-in provider that uses it.
    expect([...kinds].sort()).toEqual([...DRIVERS.keys()].sort());
  });

  it('gives the AI providers HTTP tests with the documented model-list paths and no hard-coded secret', () => {
    const ai = readPack('ai').latchkey.contributes.providers;
    const tests = Object.fromEntries(ai.map((p) => [p.id, { transport: p.transport, ...p.test }]));
    expect(tests.openai).toMatchObject({ transport: 'http', method: 'GET', path: '/models' });
    expect(tests.anthropic).toMatchObject({ transport: 'http', method: 'GET', path: '/models' });
    expect(tests.ollama).toMatchObject({ transport: 'http', method: 'GET', path: '/api/tags', collect: { as: 'models', array: 'models', field: 'name' } });
    for (const p of ai) {
      for (const rule of p.authenticate) {
        if (rule.type === 'header') expect(rule.value.includes('{{secret.') || !/key|token/i.test(rule.name)).toBe(true);
      }
    }
    expect(ai.find((p) => p.id === 'ollama')!.fields.some((f) => f.secret)).toBe(false);
  });
});
