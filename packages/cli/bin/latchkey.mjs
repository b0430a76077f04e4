#!/usr/bin/env node
// The `latchkey` command. The workspace runs TypeScript from source (like the headless host's
// `pnpm start`): tsx compiles on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
