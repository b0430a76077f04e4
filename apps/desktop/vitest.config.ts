import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Renderer tests opt into jsdom with a `// @vitest-environment jsdom` line; main-process tests run in node.
export default defineConfig({
  plugins: [react()],
  test: { include: ['src/**/*.test.{ts,tsx}'], testTimeout: 60_000 },
});
