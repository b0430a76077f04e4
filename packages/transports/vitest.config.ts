import { defineConfig } from 'vitest/config';

// Real peers start in beforeAll (PostgreSQL and MariaDB take about a second each); files run in parallel.
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
});
