/** Where ../shared is, from the repo root (tests run from the repo root via npm test). */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/test/.. /..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared folder beside the repo: the spec, goldens and captures. */
export const SHARED_DIR = process.env.PATLAB_SHARED ?? resolve(REPO_ROOT, '..', 'shared');

export function sharedAvailable(): boolean {
  return existsSync(resolve(SHARED_DIR, 'golden', 'memtype'));
}

/** Every file under `dir` (recursively) whose name ends with `ext`, sorted. */
export function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}
