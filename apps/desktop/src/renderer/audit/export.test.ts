import type { AuditEvent } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { auditToCsv, auditToJson, csvCell } from './export.js';

const event = (over: Partial<AuditEvent>): AuditEvent => ({
  seq: 7,
  at: '2026-11-23T01:00:00.000Z',
  type: 'access.request',
  outcome: 'ok',
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
  ...over,
});

describe('csvCell', () => {
  it('leaves plain values alone and writes nothing for missing ones', () => {
    expect(csvCell('access.grant')).toBe('access.grant');
    expect(csvCell(12)).toBe('12');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
  });

  it('quotes commas, quotes, line breaks and edge spaces', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded')).toBe('" padded"');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil.test")')).toBe('"\'=HYPERLINK(""http://evil.test"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });
});

describe('auditToCsv', () => {
  it('writes a header and one row per event with the connection name looked up', () => {
    const csv = auditToCsv(
      [
        event({
          requester: { kind: 'extension', id: 'github', displayName: 'GitHub, Inc.' },
          connectionId: 'c1',
          scopes: ['http.fetch', 'reveal'],
          detail: 'List repositories',
        }),
        event({ seq: 6, type: 'secret.set' }),
      ],
      new Map([['c1', 'Work GitHub']]),
    );
    expect(csv.split('\r\n')).toEqual([
      'seq,at,type,outcome,requesterKind,requesterId,requesterName,connectionId,connectionName,scopes,grantId,detail,prevHash,hash',
      `7,2026-11-23T01:00:00.000Z,access.request,ok,extension,github,"GitHub, Inc.",c1,Work GitHub,http.fetch reveal,,List repositories,${'a'.repeat(64)},${'b'.repeat(64)}`,
      `6,2026-11-23T01:00:00.000Z,secret.set,ok,,,,,,,,,${'a'.repeat(64)},${'b'.repeat(64)}`,
      '',
    ]);
  });
});

describe('auditToJson', () => {
  it('keeps the events exactly, hashes included', () => {
    const events = [event({ detail: 'x' })];
    expect(JSON.parse(auditToJson(events))).toEqual({ format: 'latchkey-audit', version: 1, events });
  });
});
