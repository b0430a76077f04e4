/**
 * Run by the bench in a fresh process: one cold openFileStore of the folder. Prints the load alone
 * (`ms`) and the time since the process started (`sinceStart`: Node's start-up, every import and
 * the load), both in ms.
 */
import { openFileStore } from '../index.js';

const start = performance.now();
const store = await openFileStore(process.argv[2]!);
const loaded = performance.now();
const count = store.connections.all().length;
await store.close();
process.stdout.write(`${JSON.stringify({ ms: loaded - start, sinceStart: loaded, count })}\n`);
