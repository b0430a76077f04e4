import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { LatchkeyError } from '@latchkey/contracts';
import { parseEnvSpec } from './env-spec.js';
import { resolveEnv } from './resolve-values.js';
import type { Session } from './session.js';
import { createStreamMasker } from './stream-masker.js';

/**
 * What the child inherits: our environment without Latchkey's own authority. LATCHKEY_MASTER_KEY
 * opens every connection (CI mode), and LATCHKEY_CONN_* / LATCHKEY_VAR_* overrides carry connection
 * URIs with their passwords and secret values: the child gets only the values it was granted.
 */
export function childEnvironment(parent: NodeJS.ProcessEnv, injected: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(parent)) if (!isLatchkeyAuthority(name)) env[name] = value;
  return { ...env, ...injected };
}

const isLatchkeyAuthority = (name: string) => name === 'LATCHKEY_MASTER_KEY' || /^LATCHKEY_(CONN|VAR)_/i.test(name);

/** Copies a child's stream to ours, masked; resolves when it ends. */
function pipeMasked(from: Readable, to: Writable, secrets: string[]): Promise<void> {
  const masker = createStreamMasker(secrets);
  const decoder = new StringDecoder('utf8');
  return new Promise((resolve) => {
    from.on('data', (chunk: Buffer) => {
      const out = masker.push(decoder.write(chunk));
      if (out) to.write(out);
    });
    from.on('end', () => {
      const out = masker.push(decoder.end()) + masker.end();
      if (out) to.write(out);
      resolve();
    });
    from.on('error', () => resolve());
  });
}

export interface RunOptions {
  envSpecs: string[];
  command: string[];
  reason?: string;
  stdout?: Writable;
  stderr?: Writable;
}

/** `latchkey run --env NAME=conn:<id>.<field> (or NAME=var:<key>) -- cmd`: the child's exit code, or 1. */
export async function runCommand(session: Session, options: RunOptions): Promise<number> {
  if (!options.command.length) throw new LatchkeyError('VALIDATION', 'Nothing to run: latchkey run --env NAME=conn:<id>.<field> | NAME=var:<key> -- <command> [args…]');
  const specs = options.envSpecs.map(parseEnvSpec);
  const reason = options.reason ?? `latchkey run ${options.command.join(' ').slice(0, 200)}`;
  const { env, secrets } = await resolveEnv(session, specs, reason);
  await session.close(); // nothing more to ask; the child runs on its own
  const child = spawn(options.command[0]!, options.command.slice(1), { env: childEnvironment(process.env, env), stdio: ['inherit', 'pipe', 'pipe'] });
  const done = Promise.all([pipeMasked(child.stdout!, options.stdout ?? process.stdout, secrets), pipeMasked(child.stderr!, options.stderr ?? process.stderr, secrets)]);
  const code = await new Promise<number>((resolve) => {
    child.on('error', (error) => {
      (options.stderr ?? process.stderr).write(`latchkey: could not start ${options.command[0]}: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  await done;
  return code;
}
