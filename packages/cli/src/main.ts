
import { parseArgs } from 'node:util';
import { LatchkeyError, isLatchkeyError } from '@latchkey/contracts';
import { ensurePrivateFolder, ensureToken } from '@latchkey/requester-socket';
import { connList, connTest } from './conn.js';
import { HELP } from './help.js';
import { injectCommand, varCommand } from './inject.js';
import { runCommand } from './run.js';
import { openSession, resolveDataDir } from './session.js';

export const MCP_HTTP_TOKEN_FILE = 'mcp-http.token';

const out = (line: string) => void process.stdout.write(`${line}\n`);

/** The arguments after `run`'s `--` are the child's, untouched. */
function splitDashDash(argv: string[]): [string[], string[]] {
  const i = argv.indexOf('--');
  return i === -1 ? [argv, []] : [argv.slice(0, i), argv.slice(i + 1)];
}

export async function main(argv: string[]): Promise<number> {
  const [own, child] = splitDashDash(argv);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      env: { type: 'string', multiple: true, default: [] },
      reason: { type: 'string' },
      http: { type: 'boolean', default: false },
      port: { type: 'string' },
      i: { type: 'string' },
      secret: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      description: { type: 'string' },
      o: { type: 'string' },
    },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command || command === 'help') return (out(HELP), 0);
  const dataDir = resolveDataDir(values['data-dir']);

  switch (command) {
    case 'conn': {
      const session = await openSession({ dataDir, kind: 'program', name: `latchkey conn ${sub ?? ''}`.trim() });
      try {
        if (sub === 'ls' || sub === 'list') return await connList(session, values.json, out);
        if (sub === 'test' && rest[0]) return await connTest(session, rest[0], values.json, out);
        throw new LatchkeyError('VALIDATION', 'Usage: latchkey conn ls [--json] | latchkey conn test <id|name> [--json]');
      } finally {
        await session.close();
      }
    }
    case 'run': {
      const session = await openSession({ dataDir, kind: 'program', name: `latchkey run ${child[0] ?? ''}`.trim() });
      try {
        return await runCommand(session, { envSpecs: values.env, command: child, ...(values.reason ? { reason: values.reason } : {}) });
      } finally {
        await session.close().catch(() => undefined);
      }
    }
    case 'mcp': {
      const open = (name: string) => openSession({ dataDir, kind: 'agent', name });
      // The MCP SDK loads only for this command.
      const [{ createLatchkeyMcpServer }, { startMcpHttp }, { StdioServerTransport }] = await Promise.all([
        import('./mcp/server.js'),
        import('./mcp/http.js'),
        import('@modelcontextprotocol/sdk/server/stdio.js'),
      ]);
      if (values.http) {
        const port = values.port === undefined ? 0 : Number(values.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LatchkeyError('VALIDATION', `--port must be a port number, not "${values.port}"`);
        ensurePrivateFolder(dataDir);
        const token = ensureToken(dataDir, MCP_HTTP_TOKEN_FILE);
        const http = await startMcpHttp({ port, token, open });
        process.stderr.write(`latchkey mcp: Streamable HTTP on ${http.url} (Authorization: Bearer <the token in ${dataDir}/${MCP_HTTP_TOKEN_FILE}>)\n`);
        out(JSON.stringify({ url: http.url }));
        await new Promise<void>((resolve) => {
          for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve());
        });
        await http.close();
        return 0;
      }
      const mcp = createLatchkeyMcpServer(open);
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
      process.stdin.once('end', () => void transport.close());
      await mcp.server.connect(transport);
      await closed;
      await mcp.close();
      return 0;
    }
    case 'inject': {
      const session = await openSession({ dataDir, kind: 'program', name: `latchkey inject ${values.i ?? ''}`.trim() });
      try {
        return await injectCommand(session, { ...(values.i ? { input: values.i } : {}), ...(values.o ? { output: values.o } : {}), ...(values.reason ? { reason: values.reason } : {}), out: (t) => void process.stdout.write(t) });
      } finally {
        await session.close();
      }
    }
    case 'var': {
      // The key (never a value) in the label, so the modal reads "latchkey var get DEPLOY_TOKEN".
      const session = await openSession({ dataDir, kind: 'program', name: `latchkey var ${sub ?? ''} ${rest[0] ?? ''}`.trim().slice(0, 100) });
      try {
        return await varCommand(session, [sub ?? '', ...rest], { json: values.json, secret: values.secret, ...(values.description ? { description: values.description } : {}), ...(values.reason ? { reason: values.reason } : {}), out });
      } finally {
        await session.close();
      }
    }
    case 'import-mcp': {
      const { defaultConfigFiles } = await import('@latchkey/agent-config/node');
      const { importMcp } = await import('./import-mcp/import-mcp.js');
      const files = [sub, ...rest].filter((f): f is string => !!f);
      const targets = files.length ? files : defaultConfigFiles();
      if (!targets.length) throw new LatchkeyError('NOT_FOUND', 'No agent config found (Claude Desktop, .mcp.json, .vscode/mcp.json): name one, latchkey import-mcp <file>');
      const session = values['dry-run'] ? null : await openSession({ dataDir, kind: 'program', name: 'latchkey import-mcp' });
      try {
        for (const file of targets) await importMcp(session, file, { dryRun: values['dry-run'], dataDir, out });
        return 0;
      } finally {
        await session?.close();
      }
    }
    case 'mcp-proxy': {
      if (!sub) throw new LatchkeyError('VALIDATION', 'Usage: latchkey mcp-proxy <connection id|name>');
      const { mcpProxy } = await import('./import-mcp/mcp-proxy.js');
      // Its stdout is the MCP server's: nothing of ours may go there.
      const session = await openSession({ dataDir, kind: 'program', name: `latchkey mcp-proxy ${sub}` });
      return mcpProxy(session, sub);
    }
    default:
      throw new LatchkeyError('VALIDATION', `Unknown command "${command}" (latchkey --help)`);
  }
}

// Run when executed (bin/latchkey.mjs imports this module).
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isLatchkeyError(error)) process.stderr.write(`latchkey: ${error.code}: ${error.message}\n`);
    else if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) process.stderr.write(`latchkey: ${error.message} (latchkey --help)\n`);
    else process.stderr.write(`latchkey: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
