import { defineConfig } from 'electron-vite';
import { rendererConfig } from './vite.renderer.config';

export default defineConfig({
  main: {
    build: {
      // The workspace packages are TypeScript sources: bundle them into main.
      externalizeDeps: { exclude: ['@latchkey/contracts', '@latchkey/broker', '@latchkey/store', '@latchkey/transports', '@latchkey/extension-host', '@latchkey/requester-socket'] },
      rollupOptions: { input: { index: 'src/main/index.ts' } },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require() packages: the contracts and Zod are bundled in.
      externalizeDeps: false,
      rollupOptions: { input: { index: 'src/preload/index.ts' }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: rendererConfig,
});
