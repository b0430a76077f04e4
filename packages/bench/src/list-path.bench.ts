/**
 * `connections:list` through the path a window uses: the broker's handlers behind the app
 * dispatcher (input parse, handler, output check), the result as JSON text over the wire, and
 * the client on the other side (JSON.parse, its own output check). Growth at 100 / 1k / 10k / 50k
 * stored connections, next to JSON.parse of the same payload measured in the same run.
 */
import { appChannels, createClient, createDispatcher } from '@latchkey/contracts';
import { createTestBroker } from '@latchkey/broker/testing';
import type { ConnectionRecord } from '@latchkey/broker';

const app = { requester: { kind: 'app' as const, id: 'bench', displayName: 'Bench' } };
const SIZES = (process.env.LIST_SIZES ?? '100,1000,10000,50000').split(',').map(Number);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function seeded(n: number) {
  const unlimited = { perSecond: 1e9, burst: 1e9, perHour: 1e12 };
  const { broker, mem } = createTestBroker({ options: { auditRates: { app: unlimited, extension: unlimited, agent: unlimited } } } as never);
  const first = (await broker.app['connections:create']({ providerId: 'http', name: 'API 0', scope: 'user', config: { baseUrl: 'https://api0.example.com', authType: 'bearer', healthPath: '/health' }, secrets: { token: 't' } } as never, app)) as { id: string };
  const template = mem.connections.get(first.id)!;
  // Records put straight into the repository: seeding 50,000 through create would time the seeding.
  for (let i = 1; i < n; i++) {
    const record: ConnectionRecord = { ...template, id: `conn_${i.toString(36).padStart(8, '0')}`, name: `API ${i}`, config: { ...template.config, baseUrl: `https://api${i}.example.com` } };
    await mem.connections.put(record);
  }
  return broker;
}

export async function listPathRows(sizes = SIZES): Promise<string[]> {
  const rows: string[] = [];
  let per1k: number | null = null;
  for (const n of sizes) {
    const broker = await seeded(n);
    const dispatch = createDispatcher(appChannels, broker.app as never);
    // JSON text between the two sides, as over the bridge's WebSocket or Electron's IPC.
    // As a window's client is built (preload, bridge page): its peer is the checking dispatcher.
    const client = createClient(appChannels, async (channel, input) => JSON.parse(JSON.stringify(await dispatch(channel, JSON.parse(JSON.stringify(input)), app))), { checkOutputs: false });
    const runs = Math.max(5, Math.min(50, Math.round(200_000 / n)));
    const real: number[] = [];
    const parse: number[] = [];
    let text = '';
    // CPU time beside wall time: on a shared machine the wall clock also counts other processes' turns.
    let cpu = 0;
    for (let i = 0; i < runs; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      const list = await client.connections.list({ deleted: false });
      real.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu += (used.user + used.system) / 1000;
      if (list.length !== n) throw new Error(`listed ${list.length}, stored ${n}`);
      text ||= JSON.stringify({ ok: true, value: list });
      const p = performance.now();
      JSON.parse(text);
      parse.push(performance.now() - p);
    }
    const ms = median(real);
    const limit = median(parse);
    if (n === 1000) per1k = ms;
    const growth = per1k !== null && n > 1000 ? ` (${(ms / per1k).toFixed(1)}× 1k for ${n / 1000}× the rows)` : '';
    rows.push(`| list ${n.toLocaleString('en-US')} (dispatcher + JSON + client) | ${ms.toFixed(2)} ms wall, ${(cpu / runs).toFixed(2)} ms CPU${growth} | ${n === 1000 ? '< 5 ms' : 'linear'} | JSON.parse of the payload ${limit.toFixed(2)} ms (${(ms / limit).toFixed(1)}×) |`);
    // What a screen asks for: the last page of 100 (the whole filter is still walked for the total).
    const page: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const p = await client.connections.page({ offset: Math.max(0, n - 100), limit: 100 });
      page.push(performance.now() - t);
      if (p.total !== n) throw new Error(`page total ${p.total}, stored ${n}`);
    }
    rows.push(`| connections:page, last 100 of ${n.toLocaleString('en-US')} (same path) | ${median(page).toFixed(2)} ms | — | — |`);
    await broker.close();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.warn('| figure | measured | target | limit in the same run |\n|---|---|---|---|');
  for (const r of await listPathRows()) console.warn(r);
}
