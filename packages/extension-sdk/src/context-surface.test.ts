import { describe, expect, expectTypeOf, it } from 'vitest';
import { extensionChannels, type ExtensionChannels } from '@latchkey/contracts';
import { createExtensionContext, type ContextSurface, type ExtensionContext } from './index.js';

// The checks that matter here are types: `pnpm --filter @latchkey/extension-sdk typecheck` fails if
// one does not hold. The runtime assertions repeat them for the object `createExtensionContext` builds.
describe('the context derives from extensionChannels', () => {
  it('offers every extension channel as ctx.<namespace>.<method>, returning its output', () => {
    expectTypeOf<ExtensionContext>().toExtend<ContextSurface<ExtensionChannels>>();
    const ctx = createExtensionContext({ invoke: async () => ({ ok: false, error: { code: 'DENIED', message: 'no' } }), commands: new Map() });
    for (const name of Object.keys(extensionChannels)) {
      const [ns, method] = name.split(':') as [string, string];
      expect(typeof (ctx as unknown as Record<string, Record<string, unknown>>)[ns]?.[method], name).toBe('function');
    }
  });

  it('does not cover a channel map with one channel more, so a new channel fails compilation until the SDK exposes it', () => {
    type WithNewChannel = ExtensionChannels & { 'files:read': ExtensionChannels['http:fetch'] };
    expectTypeOf<ExtensionContext>().not.toExtend<ContextSurface<WithNewChannel>>();
    // @ts-expect-error — ctx.files.read is missing.
    const covered: ContextSurface<WithNewChannel> = {} as ExtensionContext;
    expect(covered).toBeDefined();
  });

  it('does not cover a channel whose output changed', () => {
    type ChangedOutput = Omit<ExtensionChannels, 'secrets:reveal'> & { 'secrets:reveal': ExtensionChannels['connections:list'] };
    expectTypeOf<ExtensionContext>().not.toExtend<ContextSurface<ChangedOutput>>();
  });
});
