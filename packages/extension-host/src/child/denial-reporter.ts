import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';

export type DenialReport = (permission: string, resource: string) => void;

interface AccessDenied {
  code: 'ERR_ACCESS_DENIED';
  permission?: unknown;
  resource?: unknown;
}

const isDenied = (error: unknown): error is AccessDenied =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_ACCESS_DENIED';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

function wrapFunction(fn: AnyFunction, name: string, tell: (error: AccessDenied) => void): AnyFunction {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = function (this: unknown, error: unknown, ...rest: unknown[]) {
        if (isDenied(error)) tell(error);
        return (callback as AnyFunction).call(this, error, ...rest);
      };
    }
    try {
      const out = fn.apply(this, args);
      if (out instanceof Promise) {
        return out.catch((error: unknown) => {
          if (isDenied(error)) tell(error);
          throw error;
        });
      }
      return out;
    } catch (error) {
      if (isDenied(error)) tell(error);
      throw error;
    }
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  // util.promisify.custom and friends live on symbols; keep them.
  for (const symbol of Object.getOwnPropertySymbols(fn)) {
    Object.defineProperty(wrapped, symbol, Object.getOwnPropertyDescriptor(fn, symbol) as PropertyDescriptor);
  }
  return wrapped;
}

function wrapModule(mod: Record<string, unknown>, tell: (error: AccessDenied) => void): void {
  for (const key of Object.keys(mod)) {
    const value = mod[key];
    // Classes (Stats, ReadStream…) keep their identity; only plain functions are wrapped.
    if (typeof value !== 'function' || /^[A-Z]/.test(key)) continue;
    mod[key] = wrapFunction(value as AnyFunction, key, tell);
  }
}

/**
 * Reports what Node's permission model refused, so the host can audit it. Best effort, and
 * said so: the permission model enforces the refusal whatever happens here, but extension code
 * shares this process and could silence the report (by replacing `process.send`, say), so an
 * absent report proves nothing. Installed before any extension code loads.
 */
export function reportAccessDenials(report: DenialReport): void {
  const tell = (error: AccessDenied) => {
    report(String(error.permission ?? 'unknown').slice(0, 50), String(error.resource ?? '').slice(0, 300));
  };
  wrapModule(fs as unknown as Record<string, unknown>, tell);
  wrapModule(fs.promises as unknown as Record<string, unknown>, tell);
  wrapModule(childProcess as unknown as Record<string, unknown>, tell);
  const { Worker } = workerThreads;
  (workerThreads as { Worker: typeof Worker }).Worker = class extends Worker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      try {
        super(...args);
      } catch (error) {
        if (isDenied(error)) tell(error);
        throw error;
      }
    }
  };
  syncBuiltinESMExports();
}
