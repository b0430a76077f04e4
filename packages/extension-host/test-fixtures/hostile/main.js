// TEST FIXTURE ONLY. Every command here is an attack the extension host and broker must refuse;
// each returns what happened so the tests can assert on it. Everything the process receives is
// echoed to stdout, so the tests' leak search covers it.
import { readFileSync, readdirSync, writeSync } from 'node:fs';

// The runtime reads frames off fd 3 and parses each with JSON.parse; code sharing the process
// can watch that (and it is how this fixture reads answers to its raw calls).
const frameListeners = new Set();
const parse = JSON.parse;
JSON.parse = function (text, reviver) {
  const value = parse.call(this, text, reviver);
  if (value && typeof value === 'object' && 't' in value) {
    process.stdout.write(`received ${text}\n`);
    for (const listener of frameListeners) listener(value);
  }
  return value;
};
/** Writes a frame straight onto the host's pipe, past the SDK. */
/** Writes a whole line to fd 3; the pipe is non-blocking, so a full pipe (EAGAIN) is waited out. */
const rawWrite = (text) => {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(3, bytes, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
};
const rawSend = (frame) => rawWrite(`${JSON.stringify(frame)}\n`);

const codeOf = (error) => (error && typeof error === 'object' && 'code' in error ? String(error.code) : String(error));

async function attempt(fn) {
  try {
    const value = await fn();
    return { ok: true, value };
  } catch (error) {
    return { ok: false, code: codeOf(error), message: String(error && error.message) };
  }
}

let rawId = 1_000_000;
/** Talks to the host directly, past the SDK: any channel, any input. */
function rawCall(channel, input) {
  const id = rawId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ channel, noAnswer: true }), 5000);
    const onFrame = (frame) => {
      if (frame && frame.t === 'result' && frame.id === id) {
        clearTimeout(timer);
        frameListeners.delete(onFrame);
        resolve({ channel, ok: frame.result.ok, code: frame.result.ok ? null : frame.result.error.code });
      }
    };
    frameListeners.add(onFrame);
    rawSend({ t: 'call', id, channel, input });
  });
}

const randomRef = () => {
  const abc = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
  let s = 'lkref_';
  for (let i = 0; i < 32; i++) s += abc[Math.floor(Math.random() * abc.length)];
  return s;
};

export default {
  activate(ctx) {
    const commands = {
      /** Reads files outside its folder: the data folder, another extension, the system. */
      probeFiles: async ({ paths }) => {
        const out = {};
        for (const path of paths) {
          out[path] = await attempt(() => {
            try {
              return `read ${readFileSync(path, 'utf8').length} bytes: ${readFileSync(path, 'utf8').slice(0, 200)}`;
            } catch (error) {
              if (error.code === 'EISDIR') return `listed ${readdirSync(path).join(',')}`;
              throw error;
            }
          });
        }
        return out;
      },
      /** What else the process could reach for. */
      probeProcess: async () => ({
        env: Object.keys(process.env),
        childProcess: await attempt(async () => (await import('node:child_process')).execSync('id').toString()),
        worker: await attempt(async () => {
          const { Worker } = await import('node:worker_threads');
          new Worker('1', { eval: true });
          return 'worker started';
        }),
        write: await attempt(async () => (await import('node:fs')).writeFileSync('stolen.txt', 'x')),
        addon: await attempt(async () => process.dlopen({ exports: {} }, '/usr/lib/nothing.node')),
        loaderHooks: await attempt(async () => (await import('node:module')).register('data:text/javascript,export{}', import.meta.url)),
        inspector: await attempt(async () => (await import('node:inspector')).open(0)),
      }),
      /** Gets a real ref for its own request, then points it at another origin. */
      otherOrigin: async ({ connectionId, targets }) => {
        const access = await ctx.secrets.requestAccess({ connectionId, reason: 'Sync your settings', scopes: ['http.fetch'] });
        if (!access.granted) return { granted: false };
        const results = {};
        for (const url of targets) results[url] = await attempt(() => ctx.http.fetch(access.secretRef, { url }));
        results.reveal = await attempt(() => ctx.secrets.reveal(access.secretRef));
        results.sql = await attempt(() => ctx.sql.query(access.secretRef, 'select 1'));
        return { granted: true, results };
      },
      /** Uses a ref that was issued to someone else. */
      useRef: async ({ ref }) => ({
        fetch: await attempt(() => ctx.http.fetch(ref, { url: '/user' })),
        reveal: await attempt(() => ctx.secrets.reveal(ref)),
      }),
      guessRefs: async ({ count }) => {
        const codes = [];
        for (let i = 0; i < count; i++) {
          const r = await attempt(() => ctx.http.fetch(randomRef(), { url: '/user' }));
          codes.push(r.ok ? 'OK' : r.code);
        }
        return codes;
      },
      /** Channels an extension has no right to, and an identity claimed in the payload. */
      rawCalls: async ({ connectionId, grantId }) => [
        await rawCall('connections:create', { providerId: 'github', name: 'mine', config: {}, secrets: { token: 'x' } }),
        await rawCall('connections:setSecret', { id: connectionId, field: 'token', value: 'attacker' }),
        await rawCall('connections:purge', { id: connectionId }),
        await rawCall('grants:revoke', { id: grantId }),
        await rawCall('grants:list', {}),
        await rawCall('consent:respond', { promptId: 'x', response: { decision: 'always', duration: 'forever' } }),
        await rawCall('audit:list', {}),
        await rawCall('extensions:setEnabled', { id: 'hostile-fixture', enabled: true }),
        await rawCall('made:up', {}),
        await rawCall('__proto__', {}),
        await rawCall('constructor', {}),
        await rawCall('hasOwnProperty', {}),
        await rawCall('secrets:requestAccess', {
          connectionId,
          reason: 'I am GitHub',
          scopes: ['http.fetch'],
          requester: { kind: 'extension', id: '@latchkey/ext-github', displayName: 'GitHub' },
        }),
        await rawCall('connections:list', { deleted: true }),
      ],
      /** Fake permission refusals, to use up an audit budget before a real one arrives. */
      forgeDenials: async ({ n }) => {
        for (let i = 0; i < n; i++) rawSend({ t: 'denied', permission: 'FileSystemRead', resource: `/forged/${i}` });
        return n;
      },
      /** Frames that are not frames. */
      malformed: async () => {
        const frames = [
          null,
          42,
          'call',
          [],
          { t: 'call' },
          { t: 'call', id: -1, channel: 'connections:list', input: {} },
          { t: 'call', id: 1.5, channel: 'connections:list', input: {} },
          { t: 'call', id: 1, channel: 'x'.repeat(10_000), input: {} },
          { t: 'hello', permission: true },
          { t: 'ready', requester: { kind: 'app', id: 'x', displayName: 'x' } },
          { t: 'result', id: 0, result: { ok: true, value: 1 } },
        ];
        for (const frame of frames) rawSend(frame);
        return frames.length;
      },
      /** Straight to the API, around the broker: Node 20 does not confine the network. */
      directFetch: async ({ url }) => attempt(async () => (await fetch(url)).status),
      /** Many slow calls at once, to hold the broker busy. */
      parallelFetch: async ({ connectionId, n, url }) => {
        const access = await ctx.secrets.requestAccess({ connectionId, reason: 'Sync your settings', scopes: ['http.fetch'] });
        if (!access.granted) return { granted: false };
        const results = await Promise.all(Array.from({ length: n }, () => attempt(() => ctx.http.fetch(access.secretRef, { url }))));
        return results.map((r) => (r.ok ? r.value.status : r.code));
      },
      flood: async ({ connectionId, n }) => {
        const results = await Promise.all(
          Array.from({ length: n }, () => attempt(() => ctx.secrets.requestAccess({ connectionId, reason: 'flood', scopes: ['http.fetch'] }))),
        );
        return results.map((r) => (r.ok ? (r.value.granted ? 'GRANTED' : r.value.reason) : r.code));
      },
      /** What the person's connections look like from here: enough to choose one, no settings. */
      listConnections: async (query) => ctx.connections.list(query ?? undefined),
    };
    for (const [name, fn] of Object.entries(commands)) ctx.commands.register(name, fn);
  },
};
