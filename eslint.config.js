import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/out/**', '**/dist/**', '.tools/**', '**/test-results/**', '**/playwright-report/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', window: 'readonly', document: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-empty-object-type': 'off',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The layering of DESIGN.md: contracts and broker never reach for Electron, React or Node-only adapters.
    files: ['packages/contracts/**/*.ts', 'packages/broker/**/*.ts'],
    // Tests may start loopback peers; the code under test may not reach for Node's I/O.
    ignores: ['**/*.test.ts', '**/*.bench.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['electron', 'react', 'react-dom', '@latchkey/store', '@latchkey/node-cipher', '@latchkey/transports', '@latchkey/extension-host', '@latchkey/agent-config/node', 'node:fs', 'node:fs/promises', 'fs', 'node:child_process', 'node:net', 'node:http'] }],
    },
  },
  {
    files: ['apps/desktop/src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*', '@latchkey/broker', '@latchkey/store', '@latchkey/node-cipher', '@latchkey/transports', '@latchkey/extension-host', '**/main/**', '**/preload/**'] }],
    },
  },
);
