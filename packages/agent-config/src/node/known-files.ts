import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, win32 } from 'node:path';

export interface KnownAgentConfig {
  /** Which agent keeps its servers there, in words. */
  agent: string;
  path: string;
}

export interface MachineLayout {
  home: string;
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
}

/**
 * Where Claude Desktop and VS Code keep their MCP servers for this person on this platform
 * (whether or not the files exist): the per-user config folder each of them uses.
 */
export function knownAgentConfigs(machine: MachineLayout): KnownAgentConfig[] {
  const { home, platform, env } = machine;
  if (platform === 'win32') {
    const appData = env.APPDATA ?? win32.join(home, 'AppData', 'Roaming');
    return [
      { agent: 'Claude Desktop', path: win32.join(appData, 'Claude', 'claude_desktop_config.json') },
      { agent: 'VS Code', path: win32.join(appData, 'Code', 'User', 'mcp.json') },
    ];
  }
  const configHome = platform === 'darwin' ? join(home, 'Library', 'Application Support') : (env.XDG_CONFIG_HOME ?? join(home, '.config'));
  return [
    { agent: 'Claude Desktop', path: join(configHome, 'Claude', 'claude_desktop_config.json') },
    { agent: 'VS Code', path: join(configHome, 'Code', 'User', 'mcp.json') },
  ];
}

/** `latchkey import-mcp` with no file named: the agents' files that exist, and the current folder's. */
export function defaultConfigFiles(cwd = process.cwd(), home = homedir()): string[] {
  const candidates = [
    join(home, '.config', 'Claude', 'claude_desktop_config.json'),
    join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json'),
    resolve(cwd, '.mcp.json'),
    resolve(cwd, '.vscode', 'mcp.json'),
    join(home, '.config', 'Code', 'User', 'mcp.json'),
  ];
  return candidates.filter((p) => existsSync(p));
}
