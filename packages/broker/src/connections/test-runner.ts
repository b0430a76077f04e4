import { expandTemplate, isLatchkeyError } from '@latchkey/contracts';
import type { Json, TestResult } from '@latchkey/contracts';
import { iso } from '../clock.js';
import { prepareHttp } from '../operations/prepare-http.js';
import { TransportError } from '../ports.js';
import type { Clock, ResolvedConnection, TestOutcome, Transports } from '../ports.js';
import type { Masker } from '../masking/masker.js';

function statusOutcome(status: number, statusText: string, latencyMs: number, okStatus?: number[]): TestOutcome {
  const ok = okStatus ? okStatus.includes(status) : status >= 200 && status < 300;
  const line = `${status} ${statusText}`.trim();
  if (ok) return { ok: true, code: 'ok', message: `Connected (${Math.round(latencyMs)} ms)`, latencyMs };
  if (status === 401 || status === 403) return { ok: false, code: 'auth', message: `Authentication failed: ${line}`, latencyMs };
  if (status === 404) return { ok: false, code: 'not_found', message: `Not found: ${line}`, latencyMs };
  if (status >= 300 && status < 400) return { ok: false, code: 'http_status', message: `Unexpected redirect: ${line}`, latencyMs };
  return { ok: false, code: 'http_status', message: `Unexpected response: ${line}`, latencyMs };
}

function collect(body: string, spec: { as: string; array: string; field: string }): Record<string, Json> | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const arr = parsed[spec.array];
    if (!Array.isArray(arr)) return undefined;
    const values = arr.map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[spec.field] : undefined)).filter((v): v is string => typeof v === 'string');
    return { [spec.as]: values.slice(0, 500) };
  } catch {
    return undefined;
  }
}

/** Runs a provider's declarative test with the secret, inside the broker. */
export async function runTest(transports: Transports, connection: ResolvedConnection, timeoutMs: number, clock: Clock, masker: Masker): Promise<TestResult> {
  const spec = connection.manifest.test;
  const started = clock.now();
  let outcome: TestOutcome;
  try {
    if (connection.manifest.transport === 'http') {
      const path = expandTemplate(spec.path ?? '', { config: connection.config });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k] = expandTemplate(v, { config: connection.config });
      const request = prepareHttp(connection, { method: spec.method ?? 'GET', url: path, headers, timeoutMs });
      const res = await transports.http(request);
      outcome = statusOutcome(res.status, res.statusText, res.latencyMs, spec.okStatus);
      if (outcome.ok && spec.collect) outcome.details = collect(res.body, spec.collect);
    } else {
      outcome = await transports.test(connection.manifest.transport, connection, timeoutMs);
    }
  } catch (error) {
    const latencyMs = clock.now() - started;
    if (error instanceof TransportError) outcome = { ok: false, code: error.code, message: error.message, latencyMs };
    // A base URL that is not a URL, or a test path off the base origin: the settings are wrong.
    else if (isLatchkeyError(error) && (error.code === 'VALIDATION' || error.code === 'DENIED')) outcome = { ok: false, code: 'invalid_config', message: error.message, latencyMs };
    else outcome = { ok: false, code: 'other', message: error instanceof Error ? error.message : 'The test failed', latencyMs };
  }
  // The message may quote the peer (a status line, a driver error): masked before it is stored or shown.
  const result: TestResult = {
    ok: outcome.ok,
    latencyMs: Math.max(0, Math.round(outcome.latencyMs)),
    code: outcome.code,
    message: masker.mask(outcome.message).slice(0, 1000),
    at: iso(clock.now()),
  };
  if (outcome.details) result.details = masker.maskDeep(outcome.details) as Record<string, Json>;
  return result;
}
