import { defineConfig } from 'vitest/config';

// `pnpm --filter @latchkey/transports latency`: measures "Test connection" per type on loopback.
export default defineConfig({
  test: { include: ['src/latency.measure.ts'], testTimeout: 120_000, hookTimeout: 60_000 },
});
