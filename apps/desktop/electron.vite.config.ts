import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { rendererConfig } from './vite.renderer.config';

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin({ exclude: ['@latchkey/contracts', '@latchkey/broker', '@latchkey/store', '@latchkey/transports', '@latchkey/extension-host', '@latchkey/node-cipher'] })],
    build: { rollupOptions: { input: { index: 'src/main/index.ts' } } },
  },
  preload: {
    // A sandboxed preload cannot require() packages: everything it uses is bundled in.
    build: { rollupOptions: { input: { index: 'src/preload/index.ts' }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: rendererConfig,
});
