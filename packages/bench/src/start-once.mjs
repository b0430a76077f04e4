// One start, command to served page, then a clean stop: for `farm-bench -- node packages/bench/src/start-once.mjs`
// (whole-process timing from outside; `--vs` for before/after). Exits 0 once the page answered 200.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-start-once-'));
const env = { ...process.env, LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') };
delete env.DISPLAY;
delete env.WAYLAND_DISPLAY;

const get = (url, cookie) =>
  new Promise((resolve, reject) => {
    const req = request(url, { headers: cookie ? { cookie } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
    });
    req.on('error', reject);
    req.end();
  });

const child = spawn('bash', ['scripts/start.sh', '--data-dir', dataDir, '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] });
let out = '';
const url = await new Promise((resolve, reject) => {
  child.stdout.on('data', (d) => {
    out += d;
    const m = /Open (http:\/\/\S+)/.exec(out);
    if (m) resolve(new URL(m[1]));
  });
  child.once('exit', (code) => reject(new Error(`exited ${code} before serving`)));
});
const exchange = await get(url);
const page = await get(new URL('/', url), exchange.cookie);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
process.exit(page.status === 200 ? 0 : 1);
