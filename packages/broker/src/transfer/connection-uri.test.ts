import { describe, expect, it } from 'vitest';
import { parseConnectionUri } from './connection-uri.js';
import { draftsFromEnv } from './env-file.js';

describe('parseConnectionUri', () => {
  it('reads the common database, cache and mail URIs, credentials apart', () => {
    expect(parseConnectionUri('postgres://app:p%40ss@db.example.test:6543/orders?sslmode=require')).toEqual({
      providerId: 'postgres',
      name: 'db.example.test/orders',
      config: { host: 'db.example.test', port: 6543, database: 'orders', user: 'app', ssl: true },
      secrets: { password: 'p@ss' },
    });
    expect(parseConnectionUri('mysql://root@127.0.0.1/shop', 'SHOP_DB')).toMatchObject({ providerId: 'mysql', name: 'SHOP_DB', config: { host: '127.0.0.1', database: 'shop', user: 'root' }, secrets: {} });
    expect(parseConnectionUri('rediss://:pw@cache.test:6380/2')).toMatchObject({ providerId: 'redis', config: { host: 'cache.test', port: 6380, database: 2, tls: true }, secrets: { password: 'pw' } });
    expect(parseConnectionUri('smtps://mailer%40example.test:pw@smtp.example.test')).toMatchObject({
      providerId: 'smtp',
      config: { host: 'smtp.example.test', encryption: 'ssl', user: 'mailer@example.test', from: 'mailer@example.test' },
      secrets: { password: 'pw' },
    });
    expect(parseConnectionUri('https://api.example.test/v2')).toMatchObject({ providerId: 'http', config: { baseUrl: 'https://api.example.test/v2', authType: 'none' } });
  });

  it('returns null for what it does not know', () => {
    expect(parseConnectionUri('ftp://files.example.test')).toBeNull();
    expect(parseConnectionUri('not a uri')).toBeNull();
  });
});

describe('draftsFromEnv', () => {
  it('reads URIs, PG* variables and AI keys; quotes, comments and export as dotenv does', () => {
    const { drafts, ignored } = draftsFromEnv(
      ['# comment', 'export DATABASE_URL="postgres://u:p@h/db"', "OPENAI_API_KEY='sk-test'", 'PGHOST=pg.test', 'PGUSER=me', 'PGPASSWORD=pw # trailing', 'DEBUG=1'].join('\n'),
    );
    expect(drafts.map((d) => [d.providerId, d.name])).toEqual([
      ['postgres', 'DATABASE_URL'],
      ['openai', 'OPENAI_API_KEY'],
      ['postgres', 'PGHOST'],
    ]);
    expect(drafts[2]).toMatchObject({ config: { host: 'pg.test', user: 'me' }, secrets: { password: 'pw' } });
    expect(ignored).toEqual(['DEBUG']);
  });
});
