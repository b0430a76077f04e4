import type { Broker } from '@latchkey/broker';
import type { Requester } from '@latchkey/contracts';

export interface TemplateRow {
  op: string;
  n: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function measure(op: string, n: number, count: number, fn: () => Promise<unknown>): Promise<TemplateRow> {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const s = performance.now();
    await fn();
    lat.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  lat.sort((a, b) => a - b);
  return { op, n, opsPerSec: Math.round((count / total) * 1000), p50: pct(lat, 50), p99: pct(lat, 99) };
}

/**
 * Template resolution for a cached connection (issue 12, target ≥ 50,000/s), printed beside the
 * resolve figure: an executor's template of plain fields, one with the secret (decrypt + coalesced
 * reveal record + masking registration), and a requester's (grant check) of plain fields.
 * `connectionId` must be an HTTP connection `requester` holds a grant on.
 */
export async function templateRows(broker: Broker, requester: Requester, connectionId: string, n: number, count = 20_000): Promise<TemplateRow[]> {
  const plain = `curl {{ conn.${connectionId}.baseUrl }}/v1/items -H 'X-Auth: {{ conn.${connectionId}.authType }}'`;
  const secret = `curl {{ conn.${connectionId}.baseUrl }}/v1/items -H 'Authorization: Bearer {{ conn.${connectionId}.token }}'`;
  const executor = broker.programs.executor('bench');
  // Warm: the first call compiles the template and records the coalesced audit event durably.
  await executor.renderTemplate(plain);
  await executor.renderTemplate(secret);
  await broker.programs.renderTemplate(plain, requester);
  return [
    await measure('template (executor, plain fields)', n, count, () => executor.renderTemplate(plain)),
    await measure('template (executor, with the secret)', n, count, () => executor.renderTemplate(secret)),
    await measure('template (requester, grant checked)', n, count, () => broker.programs.renderTemplate(plain, requester)),
  ];
}
