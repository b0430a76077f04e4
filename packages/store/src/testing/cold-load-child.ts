/** Run by the bench in a fresh process: one cold openFileStore of the folder, timed, printed in ms. */
import { openFileStore } from '../index.js';

const start = performance.now();
const store = await openFileStore(process.argv[2]!);
const loaded = performance.now() - start;
const count = store.connections.all().length;
await store.close();
process.stdout.write(`${JSON.stringify({ ms: loaded, count })}\n`);
