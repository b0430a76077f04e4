import { fileURLToPath } from 'node:url';
import { buildExtensionRuntime } from '@latchkey/extension-host/build';

// The child runtime extensions run in: one ESM file (zod and the contracts inlined), next to main.
const out = fileURLToPath(new URL('../out/main/extension-runtime.mjs', import.meta.url));
await buildExtensionRuntime(out);
