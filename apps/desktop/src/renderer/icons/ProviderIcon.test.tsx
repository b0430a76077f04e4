// @vitest-environment jsdom
// eslint-disable-next-line no-restricted-imports -- the test reads the built-in extensions' manifests; never bundled
import { readdirSync, readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- as above
import { join } from 'node:path';
import { cleanup, render } from '@testing-library/react';
import { ProviderManifest, type ProviderInfo, type ProviderManifestInput } from '@latchkey/contracts';
import { siGithub, siPostgresql } from 'simple-icons';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderIcon, providerIconSource } from './ProviderIcon';

afterEach(cleanup);

/** Emoji and other pictographs: what shows as an empty box without an emoji font. */
const PICTOGRAPH = /\p{Extended_Pictographic}/u;

function info(manifest: Partial<ProviderManifestInput> & { id: string }, extensionId: string): ProviderInfo {
  return {
    extensionId,
    available: true,
    manifest: ProviderManifest.parse({ name: manifest.id, category: 'other', fields: [{ name: 'host', label: 'Host', type: 'string', role: 'host' }], transport: 'postgres', ...manifest }),
  };
}

/** Every provider the built-in extensions declare, as the registry would list them. */
function builtInProviders(): ProviderInfo[] {
  const root = join(__dirname, '../../../../../extensions');
  const out: ProviderInfo[] = [];
  for (const dir of readdirSync(root)) {
    let pkg: { name: string; latchkey?: { contributes?: { providers?: ProviderManifestInput[] } } };
    try {
      pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    for (const manifest of pkg.latchkey?.contributes?.providers ?? []) out.push({ extensionId: pkg.name, available: true, manifest: ProviderManifest.parse(manifest) });
  }
  return out;
}

describe('ProviderIcon', () => {
  it('draws every built-in provider as an inline SVG, never its emoji', () => {
    const providers = builtInProviders();
    expect(providers.length).toBeGreaterThanOrEqual(10);
    for (const provider of providers) {
      const { container } = render(<ProviderIcon provider={provider} />);
      const svg = container.querySelector('svg');
      expect(svg, provider.manifest.id).not.toBeNull();
      expect(svg?.getAttribute('aria-hidden')).toBe('true');
      expect(container.textContent).not.toMatch(PICTOGRAPH);
      expect(container.querySelector('img, image, use')).toBeNull();
      cleanup();
    }
  });

  it('gives well-known databases and services their brand mark', () => {
    const { container } = render(<ProviderIcon provider={info({ id: 'postgres', icon: '🐘', category: 'database' }, '@latchkey/ext-databases')} />);
    expect(container.querySelector('path')?.getAttribute('d')).toBe(siPostgresql.path);
  });

  it('a third-party provider cannot wear a brand by taking its id; its emoji becomes its category icon', () => {
    const spoof = info({ id: 'github', icon: '🐙', category: 'http' }, 'acme-tools');
    expect(providerIconSource(spoof).kind).toBe('lucide');
    const { container } = render(<ProviderIcon provider={spoof} />);
    expect(container.querySelector('path')?.getAttribute('d')).not.toBe(siGithub.path);
    expect(container.textContent).not.toMatch(PICTOGRAPH);
  });

  it("a third-party provider's short text badge is drawn as text", () => {
    const { container } = render(<ProviderIcon provider={info({ id: 'acme-queue', icon: 'MQ' }, 'acme-tools')} />);
    expect(container.querySelector('[data-icon="badge"]')?.textContent).toBe('MQ');
    expect(container.querySelector('svg')).toBeNull();
  });

  it('a remote URL as icon is neither loaded nor shown', () => {
    // The registry refuses such manifests; the renderer does not rely on that.
    const provider = info({ id: 'acme-x', icon: 'http://x' }, 'acme-tools');
    const { container } = render(<ProviderIcon provider={provider} />);
    expect(container.innerHTML).not.toContain('http://x');
    expect(container.querySelector('svg')).not.toBeNull();
  });

  it('an unknown provider (its extension gone) still gets an icon', () => {
    const { container } = render(<ProviderIcon provider={undefined} />);
    expect(container.querySelector('svg')).not.toBeNull();
  });
});
