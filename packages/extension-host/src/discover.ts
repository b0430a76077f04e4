import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExtensionId, ExtensionPackageManifest, isLatchkeyError, parseBoundedJson } from '@latchkey/contracts';
import type { ExtensionPackageManifest as Manifest } from '@latchkey/contracts';

export interface DiscoveredExtension {
  id: string;
  version: string;
  dir: string;
  builtIn: boolean;
  manifest: Manifest;
}

export interface DiscoveryProblem {
  dir: string;
  message: string;
}

const MAX_PACKAGE_JSON_CHARS = 1024 * 1024;

/** Reads every `<dir>/*\/package.json` carrying a `latchkey` key and validates it. */
export async function discoverExtensions(roots: { dir: string; builtIn: boolean }[]): Promise<{ found: DiscoveredExtension[]; problems: DiscoveryProblem[] }> {
  const found: DiscoveredExtension[] = [];
  const problems: DiscoveryProblem[] = [];
  for (const root of roots) {
    let entries: string[];
    try {
      // Hidden folders are not extensions: an install in progress (`.installing-*`) is one of them.
      entries = (await readdir(root.dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
    } catch {
      continue;
    }
    for (const name of entries.sort()) {
      const dir = join(root.dir, name);
      let pkg: { name?: unknown; version?: unknown; latchkey?: unknown };
      try {
        // A third party wrote this file: bounded like any peer's JSON, so a manifest nested
        // thousands deep is this folder's problem, not a RangeError that stops every extension.
        pkg = parseBoundedJson(await readFile(join(dir, 'package.json'), 'utf8'), { maxLength: MAX_PACKAGE_JSON_CHARS }) as typeof pkg;
      } catch (error) {
        if (isLatchkeyError(error) && !/not valid JSON/.test(error.message)) problems.push({ dir, message: `Extension in ${dir}: package.json: ${error.message}` });
        continue;
      }
      if (typeof pkg !== 'object' || pkg === null) continue;
      if (pkg.latchkey === undefined) continue;
      const id = ExtensionId.safeParse(pkg.name);
      const manifest = ExtensionPackageManifest.safeParse(pkg.latchkey);
      if (!id.success) {
        problems.push({ dir, message: `Extension in ${dir} has no valid package name` });
        continue;
      }
      if (!manifest.success) {
        const first = manifest.error.issues[0];
        problems.push({ dir, message: `Extension ${id.data}: invalid manifest at ${first?.path.join('.') ?? ''}: ${first?.message ?? ''}` });
        continue;
      }
      found.push({ id: id.data, version: typeof pkg.version === 'string' ? pkg.version : '0.0.0', dir, builtIn: root.builtIn, manifest: manifest.data });
    }
  }
  return { found, problems };
}
