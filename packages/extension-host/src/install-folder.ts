import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { cp, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ExtensionId, ExtensionPackageManifest, LatchkeyError, parseBoundedJson } from '@latchkey/contracts';
import type { ExtensionFolderPreview } from '@latchkey/contracts';
import type { DiscoveredExtension } from './discover.js';

const MAX_FILES = 5_000;
const MAX_BYTES = 100 * 1024 * 1024;
const MAX_PACKAGE_JSON_CHARS = 1024 * 1024;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Walks the folder: no symbolic link anywhere (a link would let the copy, or the running
 * extension, read what lies outside it), bounded in files and bytes, and fingerprinted: a
 * SHA-256 over each file's relative path and content, in a fixed order, so the copy can be
 * checked to be exactly what the person was shown.
 */
async function walk(root: string): Promise<{ files: number; digest: string }> {
  let files = 0;
  let bytes = 0;
  const digest = createHash('sha256');
  const visit = async (folder: string): Promise<void> => {
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink()) throw new LatchkeyError('DENIED', `The folder holds a symbolic link (${relative(root, path)}); extensions are installed without links`);
      if (entry.isDirectory()) {
        digest.update(`d\0${relative(root, path)}\0`);
        await visit(path);
      } else if (entry.isFile()) {
        if (++files > MAX_FILES) throw new LatchkeyError('VALIDATION', `The folder has more than ${MAX_FILES} files; bundle the extension`);
        const content = await readListedFile(root, path, MAX_BYTES - bytes);
        bytes += content.length;
        digest.update(`f\0${relative(root, path)}\0${content.length}\0`).update(content);
      } else throw new LatchkeyError('DENIED', `The folder holds something that is not a file (${relative(root, path)})`);
    }
  };
  await visit(root);
  return { files, digest: digest.digest('hex') };
}

/**
 * Reads a file the walk listed as a regular file, as it is now: another process may have put
 * something else under its name since the listing. The open follows no link (O_NOFOLLOW) and
 * waits for nothing (O_NONBLOCK: a FIFO opens at once); the handle must be a regular file; and no
 * more than `budget` bytes are read, whatever its size said (a file that grows is cut off).
 */
async function readListedFile(root: string, path: string, budget: number): Promise<Buffer> {
  const name = relative(root, path);
  const tooLarge = () => new LatchkeyError('VALIDATION', `The folder is larger than ${MAX_BYTES / 1024 / 1024} MB`);
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ELOOP' ? new LatchkeyError('DENIED', `The folder holds a symbolic link (${name}); extensions are installed without links`) : new LatchkeyError('CONFLICT', `${name} could not be read (${error.code ?? 'error'}); review the folder again`);
  });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new LatchkeyError('DENIED', `The folder holds something that is not a file (${name})`);
    if (st.size > budget) throw tooLarge();
    const buffer = Buffer.alloc(Math.min(budget, st.size) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > budget) throw tooLarge();
      if (length === buffer.length) throw new LatchkeyError('CONFLICT', `${name} changed while it was read; review the folder again`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function publisherOf(pkg: { publisher?: unknown; author?: unknown }): string | null {
  if (typeof pkg.publisher === 'string' && pkg.publisher.trim()) return pkg.publisher.trim().slice(0, 200);
  if (typeof pkg.author === 'string' && pkg.author.trim()) return pkg.author.trim().slice(0, 200);
  const name = (pkg.author as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.trim() ? name.trim().slice(0, 200) : null;
}

/** Reads an extension folder for the install consent. Changes nothing. */
export async function inspectExtensionFolder(path: string): Promise<{ preview: ExtensionFolderPreview; ext: Omit<DiscoveredExtension, 'dir' | 'builtIn'> }> {
  if (!isAbsolute(path)) throw new LatchkeyError('VALIDATION', "Type the folder's full path (starting with / or a drive letter)");
  const dir = resolve(path);
  const stat = await lstat(dir).catch(() => null);
  if (!stat) throw new LatchkeyError('NOT_FOUND', 'There is no such folder');
  if (stat.isSymbolicLink()) throw new LatchkeyError('DENIED', 'The path is a symbolic link; type the folder it points to');
  if (!stat.isDirectory()) throw new LatchkeyError('VALIDATION', 'The path is not a folder');
  const { files, digest } = await walk(dir);
  let pkg: { name?: unknown; version?: unknown; latchkey?: unknown; publisher?: unknown; author?: unknown };
  try {
    pkg = parseBoundedJson((await readListedFile(dir, join(dir, 'package.json'), MAX_PACKAGE_JSON_CHARS * 4)).toString('utf8'), { maxLength: MAX_PACKAGE_JSON_CHARS }) as typeof pkg;
  } catch {
    throw new LatchkeyError('VALIDATION', 'The folder has no readable package.json');
  }
  if (typeof pkg !== 'object' || pkg === null || pkg.latchkey === undefined) throw new LatchkeyError('VALIDATION', 'Its package.json has no "latchkey" key; it is not a Latchkey extension');
  const id = ExtensionId.safeParse(pkg.name);
  if (!id.success) throw new LatchkeyError('VALIDATION', 'Its package.json has no valid package name');
  const manifest = ExtensionPackageManifest.safeParse(pkg.latchkey);
  if (!manifest.success) {
    const first = manifest.error.issues[0];
    throw new LatchkeyError('VALIDATION', `Invalid manifest at ${first?.path.join('.') ?? ''}: ${first?.message ?? ''}`);
  }
  const m = manifest.data;
  if (m.main !== undefined) {
    const main = resolve(dir, m.main);
    if (!inside(dir, main) || !(await lstat(main).catch(() => null))?.isFile()) throw new LatchkeyError('VALIDATION', `Its main module "${m.main}" is not a file inside the folder`);
  }
  const version = typeof pkg.version === 'string' ? pkg.version.slice(0, 50) : '0.0.0';
  return {
    preview: {
      id: id.data,
      displayName: m.displayName,
      version,
      publisher: publisherOf(pkg),
      providers: m.contributes.providers.map((p) => ({ id: p.id, name: p.name })),
      commands: m.contributes.commands,
      hasCode: m.main !== undefined,
      files,
      digest,
    },
    ext: { id: id.data, version, manifest: m },
  };
}

/**
 * Copies the folder into `root` (the person's extensions folder) as a new folder named after
 * the package, if it still is exactly what the person agreed to (`expected`: its id and the
 * fingerprint of its files). The copy is checked again — it is what will run — and removed if
 * anything differs (a link or a file added or changed after the person confirmed).
 */
export async function installExtensionFolder(path: string, expected: { id: string; digest: string }, root: string): Promise<DiscoveredExtension> {
  const { preview } = await inspectExtensionFolder(path);
  if (preview.id !== expected.id) throw new LatchkeyError('CONFLICT', `The folder now holds ${preview.id}, not ${expected.id}; review it again`);
  if (preview.digest !== expected.digest) throw new LatchkeyError('CONFLICT', 'The folder changed after you confirmed it; nothing was installed. Review it again');
  const source = resolve(path);
  const base = resolve(root);
  if (inside(source, base) || inside(base, source)) throw new LatchkeyError('VALIDATION', 'That folder is, or holds, the extensions folder itself');
  // ExtensionId allows only [a-z0-9._-] and one "@scope/": the name below cannot leave `root`.
  const target = join(base, preview.id.replace(/^@/, '').replace('/', '__'));
  if (!inside(base, target) || target === base) throw new LatchkeyError('VALIDATION', 'Not a usable package name');
  if (await lstat(target).catch(() => null)) throw new LatchkeyError('CONFLICT', `${preview.id} is already in the extensions folder`);
  await mkdir(base, { recursive: true });
  // Copied beside its place under a hidden name, checked, then renamed in: a crash or a full disk
  // mid-copy leaves a hidden folder that is never loaded (and is swept at the next start), never
  // a half-copied extension that would run.
  const staging = join(base, `${STAGING_PREFIX}${randomUUID()}`);
  try {
    await cp(source, staging, { recursive: true, errorOnExist: true, force: false, verbatimSymlinks: true });
    const again = await inspectExtensionFolder(staging);
    if (again.preview.id !== expected.id || again.preview.digest !== expected.digest) throw new LatchkeyError('CONFLICT', 'The folder changed while it was copied; nothing was installed');
    await rename(staging, target).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOTEMPTY' || error.code === 'EEXIST' ? new LatchkeyError('CONFLICT', `${preview.id} is already in the extensions folder`) : error;
    });
    await syncFolder(base);
    return { ...again.ext, dir: target, builtIn: false };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

const STAGING_PREFIX = '.installing-';

/** Makes the rename durable: the folder's own entry list is flushed (best effort where a folder cannot be opened). */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}

/** Removes what an install that never finished left in `root` (a crash, a kill, a full disk). */
export async function sweepUnfinishedInstalls(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const stale = entries.filter((e) => e.isDirectory() && e.name.startsWith(STAGING_PREFIX)).map((e) => join(root, e.name));
  for (const dir of stale) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  return stale;
}
