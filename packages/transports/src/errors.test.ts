import { describe, expect, it } from 'vitest';
import { classifyNetwork, timeoutMessage } from './errors.js';

// Node's own error shapes, as fetch (undici) wraps them. The live paths (refused, DNS, timeout,
// self-signed TLS) are tested against real sockets in http.test.ts; an expired certificate
// cannot be minted with this machine's openssl, so its classification is checked on the shape.
const fetchFailure = (cause: object) => new TypeError('fetch failed', { cause });

describe('classifyNetwork', () => {
  const target = { host: 'db.example.com', port: 5432, timeoutMs: 10_000 };

  it('names an expired certificate as a TLS failure with Node\'s reason', () => {
    const cause = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(classifyNetwork(fetchFailure(cause), target)).toEqual({ code: 'tls', message: 'TLS failed: certificate has expired' });
  });

  it('names a host name mismatch as a TLS failure', () => {
    const cause = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: a. is not in the cert's altnames: DNS:b"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(classifyNetwork(fetchFailure(cause), target)?.code).toBe('tls');
  });

  it('finds a refusal inside an AggregateError (one per address tried)', () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:5432`), { code: 'ECONNREFUSED', address, port: 5432 });
    const err = fetchFailure(new AggregateError([refused('::1'), refused('127.0.0.1')]));
    expect(classifyNetwork(err, target)).toEqual({ code: 'refused', message: 'Connection refused ([::1]:5432)' });
  });

  it('says null for an error that is not about the network', () => {
    expect(classifyNetwork(new Error('syntax error at or near "SELEC"'), target)).toBeNull();
  });

  it('formats timeouts in seconds', () => {
    expect(timeoutMessage(10_000)).toBe('Timed out after 10 s');
    expect(timeoutMessage(1500)).toBe('Timed out after 1.5 s');
  });
});
