import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedPrompter } from '@latchkey/broker/testing';
import type { ConsentDecision } from '@latchkey/contracts';
import { startExtensionHost, type ExtensionHost } from './host.js';
import { nodeForkRuntime } from './runtime.js';
import { BUILT_IN_EXTENSIONS, auditEvents, buildRuntimeForTest, loopbackServer, realBroker, recordingRuntime, tempDir, until } from './test-support.js';

const GITHUB = '@latchkey/ext-github';
const TOKEN = `github_pat_${Date.now()}canary`;

let work: Awaited<ReturnType<typeof tempDir>>;
let host: ExtensionHost;
let env: ReturnType<typeof realBroker>;
let api: Awaited<ReturnType<typeof loopbackServer>>;
let runtime: ReturnType<typeof recordingRuntime>;
let answers: ConsentDecision[] = [];
const prompter = new ScriptedPrompter(() => answers.shift() ?? { decision: 'deny' });

beforeAll(async () => {
  work = await tempDir('github');
  const entry = await buildRuntimeForTest(work.path);
  api = await loopbackServer({
    '/user': (h) => (h.authorization === `Bearer ${TOKEN}` ? { status: 200, body: { login: 'octocat' } } : { status: 401, body: { message: 'Bad credentials' } }),
    '/user/repos': (h) =>
      h.authorization === `Bearer ${TOKEN}`
        ? { status: 200, body: [{ full_name: 'octocat/hello-world', private: false, html_url: 'https://github.com/octocat/hello-world' }, { full_name: 'octocat/secret-plans', private: true, html_url: 'https://github.com/octocat/secret-plans' }] }
        : { status: 401, body: { message: 'Bad credentials' } },
  });
  env = realBroker(prompter);
  const dataDir = join(work.path, 'data');
  await mkdir(dataDir);
  runtime = recordingRuntime(nodeForkRuntime);
  host = await startExtensionHost({ broker: env.broker, roots: [{ dir: BUILT_IN_EXTENSIONS, builtIn: true }], runtime, entry, dataDir, onOutput: () => undefined });
  await until(() => host.get(GITHUB)?.state === 'running', 'GitHub extension running');
});

afterAll(async () => {
  await host?.close();
  await api?.close();
  await env?.broker.close();
  await work?.remove();
});

describe('the GitHub extension', () => {
  it('contributes a GitHub provider that defaults to api.github.com and tests with GET /user', async () => {
    expect(host.get(GITHUB)).toMatchObject({ displayName: 'GitHub', builtIn: true, providers: ['github'], state: 'running' });
    const provider = env.broker.providers.get('github');
    expect(provider).toMatchObject({ extensionId: GITHUB, available: true });
    expect(provider?.manifest.fields.find((f) => f.name === 'baseUrl')?.default).toBe('https://api.github.com');
    const connection = await env.app.connections.create({ providerId: 'github', name: 'Test', config: { baseUrl: api.url }, secrets: { token: TOKEN } });
    const result = await env.app.connections.test({ id: connection.id });
    expect(result).toMatchObject({ ok: true });
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', url: '/user', headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }) });
    // Leave one GitHub connection for the tests below.
    await env.app.connections.delete({ id: connection.id });
  });

  it('lists repositories after the person allows once, and asks again the next time', async () => {
    const connection = await env.app.connections.create({ providerId: 'github', name: 'Personal GitHub', config: { baseUrl: api.url }, secrets: { token: TOKEN } });
    api.requests.length = 0;
    answers = [{ decision: 'once' }];
    const first = await host.runCommand(GITHUB, 'listRepositories', { connectionId: connection.id });
    expect(first).toEqual({
      granted: true,
      connection: 'Personal GitHub',
      repositories: [
        { fullName: 'octocat/hello-world', private: false, url: 'https://github.com/octocat/hello-world' },
        { fullName: 'octocat/secret-plans', private: true, url: 'https://github.com/octocat/secret-plans' },
      ],
    });
    expect(prompter.seen.at(-1)).toMatchObject({
      requester: { kind: 'extension', id: GITHUB, displayName: 'GitHub' },
      reason: 'List your repositories',
      connection: { id: connection.id, name: 'Personal GitHub', providerName: 'GitHub' },
      scopes: [{ scope: 'http.fetch', description: expect.stringContaining('send authenticated requests to'), warning: false }],
    });
    expect(api.requests).toEqual([expect.objectContaining({ method: 'GET', url: '/user/repos', headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }) })]);
    const trail = auditEvents(env.mem).filter((e) => e.requester?.id === GITHUB && e.connectionId === connection.id).map((e) => e.type);
    expect(trail).toEqual(['access.request', 'access.grant', 'ref.use']);

    const seen = prompter.seen.length;
    answers = [{ decision: 'deny' }];
    const second = await host.runCommand(GITHUB, 'listRepositories', { connectionId: connection.id });
    expect(second).toMatchObject({ granted: false, reason: 'denied' });
    expect(prompter.seen.length).toBe(seen + 1);
    expect(api.requests).toHaveLength(1);
  });

  it('uses the only GitHub connection when none is named, and never holds the token', async () => {
    answers = [{ decision: 'once' }];
    const result = (await host.runCommand(GITHUB, 'listRepositories')) as { granted: boolean };
    expect(result.granted).toBe(true);
    for (const r of runtime.log) expect(r.data.includes(TOKEN), `${r.direction}`).toBe(false);
  });
});
