import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The renderer alone, with plain vite: what the headless host serves, and what electron-vite
 * builds for the window (electron.vite.config.ts reuses this).
 */
export const rendererConfig = {
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  // Relative asset URLs work under both app://latchkey/ (Electron) and http://127.0.0.1:PORT/.
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
};

export default defineConfig(rendererConfig);
