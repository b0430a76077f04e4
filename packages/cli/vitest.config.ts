import { defineConfig } from 'vitest/config';

// Each test starts the real CLI (TypeScript compiled on load by tsx): generous hang guards, not speed limits.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
