// What `scripts/start.mjs` builds, and when: each output is rebuilt only when a digest of its
// inputs' contents differs from the one stamped at its last successful build. Reading and hashing
// the inputs costs tens of milliseconds; building costs seconds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', '.turbo', 'coverage', 'test-results']);
const isTest = (name) => /\.(test|spec|bench|measure)\.[cm]?[jt]sx?$/.test(name);

function* files(path) {
  if (!existsSync(path)) return;
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    yield path; // a file
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* files(join(path, e.name));
    } else if (e.isFile() && !isTest(e.name)) yield join(path, e.name);
  }
}

/** A digest of the contents (and names) of every input file under the given paths. */
export function digestOf(root, inputs) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of files(join(root, input))) {
      hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** Runs `build` when the inputs changed since the last successful run (or `output` is missing). */
export function buildIfChanged(root, step) {
  const stampDir = join(root, 'node_modules/.cache/latchkey-start');
  const stamp = join(stampDir, `${step.name}.sha256`);
  const digest = digestOf(root, step.inputs);
  const previous = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (previous === digest && existsSync(join(root, step.output))) return false;
  step.build();
  mkdirSync(stampDir, { recursive: true });
  writeFileSync(stamp, `${digest}\n`);
  return true;
}
