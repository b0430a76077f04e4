import { defineConfig } from 'vitest/config';

// Timeouts here are hang guards, not speed limits: the machine running the suite may be shared,
// two-core and loaded, and a test that starts processes or peers must not fail for being slow.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
