import { lstat, readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MAX_ENTRIES = 20_000;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Node's permission model checks the path an extension asks for, then follows symlinks: a link
 * inside the folder to the data folder would be readable. So before launch the folder must
 * hold no link that leaves it (the extension cannot create one later: it has no write access).
 * Returns the folder's real path (what the read permission names) and the main module's
 * file: URL, or throws a message for the Extensions screen.
 */
export async function checkExtensionFolder(dir: string, main: string): Promise<{ root: string; mainUrl: string }> {
  const root = await realpath(dir);
  const mainPath = resolve(root, main);
  if (!inside(root, mainPath)) throw new Error(`Its main module "${main}" is outside its folder`);
  let seen = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (++seen > MAX_ENTRIES) throw new Error(`Its folder has more than ${MAX_ENTRIES} files; bundle it`);
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(path);
        } catch {
          continue;
        }
        if (!inside(root, target)) throw new Error(`Its folder links outside itself (${relative(root, path)}); symlinks would defeat the file-read limit`);
      } else if (entry.isDirectory()) {
        await walk(path);
      }
    }
  };
  await walk(root);
  const stat = await lstat(mainPath).catch(() => null);
  if (!stat?.isFile()) throw new Error(`Its main module "${main}" does not exist`);
  return { root, mainUrl: pathToFileURL(mainPath).href };
}
